using System.Globalization;
using BatchKit.Csv;
using BatchKit.Parquet;
using BatchKit.S3;
using Parquet;

namespace BatchKit.S3.Tests;

/// <summary>The S3 object sink writing Parquet and CSV on a real radosgw: what it publishes, fencing, aborts.</summary>
public sealed class S3ObjectSinkTests(S3TestBucket bucket) : IClassFixture<S3TestBucket>
{
    private static readonly RunParameters Day = RunParameters.Of("date", new DateOnly(2026, 11, 22));

    public static TheoryData<string> Formats => new() { "parquet", "csv" };

    private static FencingToken Token(long epoch, bool held = true) => new("test-owner-" + epoch, epoch, _ => ValueTask.FromResult(held));

    // About 47 bytes a row in either format, uncompressed and unlike each other: 250,000 rows are more than 10 MiB, two parts of 5 MiB and a last one.
    private static Event[] Rows(int count, string tag) =>
        Enumerable.Range(0, count).Select(i => new Event(i * 7L - 3, tag + "-" + (i * 2654435761u).ToString("x8", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..16], i % 1000 - 500)).ToArray();

    private static RecordFormat<Event> Format(string name) => name switch
    {
        "parquet" => new ParquetRecordFormat<Event>(new ParquetSinkOptions { RowGroupSize = 30_000, Compression = CompressionMethod.None }),
        "csv" => new CsvRecordFormat<Event>(),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Expected parquet or csv."),
    };

    private Task<List<Event>> ReadAsync(string format, string uri) =>
        format == "parquet" ? PublishedObjects.ReadParquetAsync(bucket, uri) : PublishedObjects.ReadCsvAsync(bucket, uri);

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task CompleteAsync_ManyParts_PublishesAnObjectThatReadsBackRecordForRecord(string format)
    {
        var sink = new S3ObjectSink<Event>(bucket.Client, bucket.Uri($"whole-{format}/"), Format(format)) { PartSize = 5 << 20 };
        var runKey = new RunKey("s3-object-" + format, Day);
        var rows = Rows(250_000, format);
        var context = new SinkContext(runKey, new Partition(0, "p", "file:x"), null) { Fence = Token(1) };
        await using (var writer = await sink.OpenAsync(context, CancellationToken.None))
        {
            foreach (var chunk in rows.Chunk(1_000))
            {
                await writer.WriteAsync(chunk, CancellationToken.None);
                await writer.CommitAsync(CancellationToken.None);
            }

            (await bucket.UploadsAsync()).Should().ContainSingle(k => k.StartsWith($"whole-{format}/", StringComparison.Ordinal), "parts are sent as they fill, before the partition completes");
            (await bucket.KeysAsync($"whole-{format}/")).Should().BeEmpty("nothing is an object before the partition completes");
            await writer.CompleteAsync(CancellationToken.None);
        }

        var manifest = (await sink.GetPublishedAsync(runKey, "p"))!;
        manifest.Should().NotBeNull();
        manifest.DataObject.Should().Be(bucket.Uri($"whole-{format}/date=2026-11-22/p.e1.{format}"));
        manifest.Epoch.Should().Be(1);
        manifest.Size.Should().BeGreaterThan(10L << 20, "the object spans three parts");
        var head = await bucket.Client.GetObjectMetadataAsync(bucket.Name, bucket.KeyOf(manifest.DataObject));
        manifest.ETag.Should().Be(head.ETag.Trim('"'), "the manifest names the ETag of the object it publishes");
        manifest.ETag.Should().MatchRegex("-[3-9]$", "a multipart object's ETag ends with its part count");
        (await bucket.GetBytesAsync(bucket.KeyOf(manifest.DataObject))).Length.Should().Be((int)manifest.Size);
        (await ReadAsync(format, manifest.DataObject)).Should().Equal(rows);
        (await bucket.UploadsAsync()).Should().NotContain(k => k.StartsWith($"whole-{format}/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_ParquetAndCsvOutputOfOneJob_EachPartitionPublishedOnce_SecondRunIsANoOp()
    {
        var events = Enumerable.Range(0, 900).Select(i => new Event(i, "e" + i, i % 13)).ToList();
        var parquet = new S3ObjectSink<Event>(bucket.Client, bucket.Uri("job-parquet/"), new ParquetRecordFormat<Event>(new ParquetSinkOptions { RowGroupSize = 100 }));
        var csv = new S3ObjectSink<Event>(bucket.Client, bucket.Uri("job-csv/"), new CsvRecordFormat<Event>());
        foreach (var (sink, format) in new[] { (parquet, "parquet"), (csv, "csv") })
        {
            var job = Job.Create("s3-objects-" + format)
                .ReadFrom(EnumerableSource<Event>.FromList(events))
                .PartitionBy(Partitioners.RowRanges(900, 300))
                .WriteTo(sink)
                .WithCommitInterval(50)
                .UseCheckpointStore(new InMemoryCheckpointStore())
                .Build();
            var runner = new JobRunner(job);

            var result = await runner.RunAsync(Day);
            result.Status.Should().Be(RunStatus.Completed);
            result.RecordsWritten.Should().Be(900);
            (await runner.RunAsync(Day)).WasAlreadyCompleted.Should().BeTrue();

            var read = new List<Event>();
            var keys = new List<string>();
            foreach (var id in (await bucket.KeysAsync($"job-{format}/date=2026-11-22/_manifests/")).Select(k => Path.GetFileNameWithoutExtension(k)))
            {
                var manifest = (await sink.GetPublishedAsync(new RunKey("s3-objects-" + format, Day), id))!;
                manifest.DataObject.Should().EndWith("." + format);
                read.AddRange(await ReadAsync(format, manifest.DataObject));
                keys.Add(bucket.KeyOf(manifest.DataObject));
                keys.Add($"job-{format}/date=2026-11-22/_manifests/{id}.json");
            }

            read.OrderBy(e => e.Id).Should().Equal(events, "every record of the {0} output exactly once", format);
            (await bucket.KeysAsync($"job-{format}/")).Should().BeEquivalentTo(keys, "one data object and one manifest per partition");
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task CompleteAsync_FencedOutWriter_CannotReplaceWhatALaterEpochPublished(string format)
    {
        var sink = new S3ObjectSink<Event>(bucket.Client, bucket.Uri($"fenced-{format}/"), Format(format));
        var runKey = new RunKey("s3-fenced-" + format, Day);
        var partition = new Partition(0, "p", "file:x");

        // Epoch 1 opens and writes, then stalls; epoch 2 takes over and publishes.
        await using var stale = await sink.OpenAsync(new SinkContext(runKey, partition, null) { Fence = Token(1) }, CancellationToken.None);
        await stale.WriteAsync(new[] { new Event(1, "stale", 1) }, CancellationToken.None);
        await using (var later = await sink.OpenAsync(new SinkContext(runKey, partition, null) { Fence = Token(2) }, CancellationToken.None))
        {
            await later.WriteAsync(new[] { new Event(1, "later", 2) }, CancellationToken.None);
            await later.CompleteAsync(CancellationToken.None);
        }

        // The stale writer wakes believing its lease holds (it passed its check just before the pause): the storage refuses it.
        var complete = () => stale.CompleteAsync(CancellationToken.None).AsTask();
        (await complete.Should().ThrowAsync<LeaseLostException>()).Which.Message.Should().Contain("epoch 2").And.Contain("_manifests/p.json");
        var manifest = (await sink.GetPublishedAsync(runKey, "p"))!;
        manifest.Epoch.Should().Be(2);
        (await ReadAsync(format, manifest.DataObject)).Should().Equal(new Event(1, "later", 2));

        // A fenced-out writer that is told it lost the lease does not even write its object.
        await using var lost = await sink.OpenAsync(new SinkContext(runKey, partition, null) { Fence = Token(3, held: false) }, CancellationToken.None);
        await lost.WriteAsync(new[] { new Event(1, "lost", 3) }, CancellationToken.None);
        await ((Func<Task>)(() => lost.CompleteAsync(CancellationToken.None).AsTask())).Should().ThrowAsync<LeaseLostException>();
        (await sink.GetPublishedAsync(runKey, "p"))!.Epoch.Should().Be(2);
        (await bucket.KeysAsync($"fenced-{format}/")).Should().NotContain(k => k.EndsWith($"p.e3.{format}", StringComparison.Ordinal));

        // Opening a writer of an older epoch than the published one fails at once.
        var open = () => sink.OpenAsync(new SinkContext(runKey, partition, null) { Fence = Token(1) }, CancellationToken.None).AsTask();
        await open.Should().ThrowAsync<LeaseLostException>();

        // The stale epoch's data object is unreferenced: cleanup removes it, and never the published one.
        var removed = await S3Cleanup.RemoveUnpublishedAsync(bucket.Client, bucket.Uri($"fenced-{format}/"), TimeSpan.Zero);
        removed.Should().ContainSingle().Which.Should().EndWith($"/p.e1.{format}");
        (await bucket.KeysAsync($"fenced-{format}/")).Should().BeEquivalentTo($"fenced-{format}/date=2026-11-22/_manifests/p.json", bucket.KeyOf(manifest.DataObject));
        (await ReadAsync(format, manifest.DataObject)).Should().Equal(new Event(1, "later", 2));
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task DisposeAsync_WithoutComplete_AbortsTheUpload_LeavingNoObjectAndNoParts(string format)
    {
        var sink = new S3ObjectSink<Event>(bucket.Client, bucket.Uri($"aborted-{format}/"), Format(format)) { PartSize = 5 << 20 };
        var context = new SinkContext(new RunKey("s3-abort-" + format, Day), new Partition(0, "p", "file:x"), null) { Fence = Token(1) };
        await using (var writer = await sink.OpenAsync(context, CancellationToken.None))
        {
            await writer.WriteAsync(Rows(150_000, format), CancellationToken.None); // about 7.5 MB: one part sent
            await writer.CommitAsync(CancellationToken.None);
            (await bucket.UploadsAsync()).Should().ContainSingle(k => k.StartsWith($"aborted-{format}/", StringComparison.Ordinal));
        }

        (await bucket.KeysAsync($"aborted-{format}/")).Should().BeEmpty();
        (await bucket.UploadsAsync()).Should().NotContain(k => k.StartsWith($"aborted-{format}/", StringComparison.Ordinal));
        (await sink.GetPublishedAsync(context.RunKey, "p")).Should().BeNull();
    }
}
