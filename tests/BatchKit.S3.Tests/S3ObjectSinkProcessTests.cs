using System.Globalization;
using BatchKit.Parquet;
using BatchKit.S3;

namespace BatchKit.S3.Tests;

/// <summary>
/// A job writing Parquet or CSV objects (<see cref="S3ObjectSink{T}"/>) in another process, killed (SIGKILL) after a
/// partition was published and while others were uploading, then run again: each partition's published object equals
/// a clean run's, and no data object is left that a manifest does not name.
/// </summary>
public sealed class S3ObjectSinkProcessTests(S3TestBucket bucket) : IClassFixture<S3TestBucket>
{
    private static readonly string RunKeyValue = new RunKey("testhost-run", RunParameters.Of("date", "2026-11-22")).Value;

    [Theory]
    [InlineData("s3-parquet")]
    [InlineData("s3-csv")]
    public async Task RunAsync_KilledAfterAPartitionWasPublished_RerunPublishesWhatACleanRunDoes(string sink)
    {
        using var dir = new TempFolder();
        var input = Directory.CreateDirectory(dir.File("in")).FullName;
        for (var f = 0; f < 3; f++)
        {
            await File.WriteAllTextAsync(Path.Combine(input, $"in-{f}.jsonl"), string.Concat(Enumerable.Range(f * 1_500, 1_500).Select(i => $"{{\"id\":{i},\"name\":\"item-{i}\",\"value\":{i % 50}}}\n")));
        }

        var prefix = $"{sink}-{Guid.NewGuid():N}/";
        string[] Args(string name) => ["run", "--state", dir.File(name + ".db"), "--input", input, "--s3-output", bucket.Uri(prefix + name + "/"), "--sink", sink, "--commit", "50", "--slow-ms", "300", "--parallel", "2"];

        var clean = await TestHostProcess.RunAsync(Args("clean"));
        clean.ExitCode.Should().Be(0, clean.Output + clean.Error);

        using (var process = TestHostProcess.Start(Args("out")))
        {
            for (var i = 0; i < 1200 && (await bucket.KeysAsync(prefix + "out/")).All(k => !k.Contains("/_manifests/", StringComparison.Ordinal)); i++)
            {
                await Task.Delay(50);
            }

            process.HasExited.Should().BeFalse("the run is still going when it is killed");
            process.Kill(entireProcessTree: true); // SIGKILL: uploads of the running partitions stay incomplete
            await process.WaitForExitAsync();
        }

        (await PublishedAsync(dir.File("out.db"), prefix + "out/")).Should().NotBeEmpty("a partition was published before the kill")
            .And.HaveCountLessThan(3, "the kill came before the run ended");
        var resumed = await TestHostProcess.RunAsync(Args("out"));
        resumed.ExitCode.Should().Be(0, resumed.Output + resumed.Error);

        var expected = await PublishedAsync(dir.File("clean.db"), prefix + "clean/");
        var actual = await PublishedAsync(dir.File("out.db"), prefix + "out/");
        expected.Keys.Should().HaveCount(3);
        actual.Keys.Should().BeEquivalentTo(expected.Keys);
        foreach (var (partition, records) in expected)
        {
            records.Should().HaveCount(1_500);
            actual[partition].Should().Equal(records, "partition {0} was published as a clean run publishes it", partition);
        }

        // Every data object is the published one: an attempt's object never outlives a later epoch's publish.
        var manifests = new List<string>();
        await using (var store = new SqliteCheckpointStore(dir.File("out.db")))
        {
            foreach (var state in await store.GetPartitionStatesAsync(RunKeyValue, default))
            {
                manifests.Add(bucket.KeyOf((await Sink(prefix + "out/").GetPublishedAsync(new RunKey("testhost-run", RunParameters.Of("date", "2026-11-22")), state.PartitionId))!.DataObject));
            }
        }

        (await bucket.KeysAsync(prefix + "out/")).Where(k => !k.Contains("/_manifests/", StringComparison.Ordinal)).Should().BeEquivalentTo(manifests);

        // The killed attempt's incomplete uploads are what the stale-state cleanup removes.
        await S3Cleanup.AbortStaleUploadsAsync(bucket.Client, bucket.Uri(prefix), TimeSpan.Zero);
        (await bucket.UploadsAsync()).Should().NotContain(k => k.StartsWith(prefix, StringComparison.Ordinal));

        S3ObjectSink<Event> Sink(string under) => sink == "s3-parquet"
            ? new S3ObjectSink<Event>(bucket.Client, bucket.Uri(under), new ParquetRecordFormat<Event>())
            : new S3ObjectSink<Event>(bucket.Client, bucket.Uri(under), new BatchKit.Csv.CsvRecordFormat<Event>());

        async Task<Dictionary<string, List<Event>>> PublishedAsync(string state, string under)
        {
            var published = new Dictionary<string, List<Event>>(StringComparer.Ordinal);
            await using var store = new SqliteCheckpointStore(state);
            var runKey = new RunKey("testhost-run", RunParameters.Of("date", "2026-11-22"));
            foreach (var partition in await store.GetPartitionStatesAsync(RunKeyValue, default))
            {
                if (await Sink(under).GetPublishedAsync(runKey, partition.PartitionId) is { } manifest)
                {
                    published[partition.PartitionId] = sink == "s3-parquet"
                        ? await PublishedObjects.ReadParquetAsync(bucket, manifest.DataObject)
                        : await PublishedObjects.ReadCsvAsync(bucket, manifest.DataObject);
                }
            }

            return published;
        }
    }
}
