using System.Text.Json;
using BatchKit.S3;

namespace BatchKit.S3.Tests;

public sealed class S3JsonLinesSinkTests(S3TestBucket bucket) : IClassFixture<S3TestBucket>
{
    private static readonly RunParameters Day = RunParameters.Of("date", new DateOnly(2026, 11, 22));

    private static FencingToken Token(long epoch, bool held = true) => new("test-owner-" + epoch, epoch, _ => ValueTask.FromResult(held));

    [Fact]
    public async Task RunAsync_S3ToS3_PublishesOneObjectPerPartitionThroughItsManifest_SecondRunIsANoOp()
    {
        await bucket.PutAsync("in/dt=2026-11-22/a.jsonl", string.Concat(Enumerable.Range(0, 500).Select(i => $"{{\"id\":{i},\"name\":\"a\",\"value\":{i}}}\n")));
        await bucket.PutAsync("in/dt=2026-11-22/b.jsonl", string.Concat(Enumerable.Range(500, 300).Select(i => $"{{\"id\":{i},\"name\":\"b\",\"value\":{i}}}\n")));
        var sink = new S3JsonLinesSink<Event>(bucket.Client, bucket.Uri("out/"));
        var job = Job.Create("s3-to-s3")
            .ReadFrom(new JsonLinesSource<Event>() { Opener = new S3InputOpener(bucket.Client) })
            .PartitionBy(new S3ObjectPartitioner(bucket.Client, bucket.Uri("in/dt={date}/"), "*.jsonl"))
            .Select(e => e with { Value = e.Value * 2 })
            .WriteTo(sink)
            .WithCommitInterval(100)
            .UseCheckpointStore(new InMemoryCheckpointStore())
            .Build();
        var runner = new JobRunner(job);

        var result = await runner.RunAsync(Day);
        result.Status.Should().Be(RunStatus.Completed);
        result.RecordsWritten.Should().Be(800);
        (await runner.RunAsync(Day)).WasAlreadyCompleted.Should().BeTrue();

        var runKey = new RunKey("s3-to-s3", Day);
        var manifest = await sink.GetPublishedAsync(runKey, "a");
        manifest.Should().NotBeNull();
        manifest!.DataObject.Should().MatchRegex($"^s3://{bucket.Name}/out/date=2026-11-22/a\\.e\\d+\\.jsonl$");
        var key = manifest.DataObject[$"s3://{bucket.Name}/".Length..];
        var lines = (await bucket.GetTextAsync(key))!.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Select(l => JsonSerializer.Deserialize<Event>(l, JsonSerializerOptions.Web)!).Should().Equal(Enumerable.Range(0, 500).Select(i => new Event(i, "a", i * 2)));
        manifest.Size.Should().Be(lines.Sum(l => l.Length + 1));
        (await bucket.KeysAsync("out/")).Should().BeEquivalentTo(
            "out/date=2026-11-22/_manifests/a.json", "out/date=2026-11-22/_manifests/b.json", key, (await sink.GetPublishedAsync(runKey, "b"))!.DataObject[$"s3://{bucket.Name}/".Length..]);
        (await bucket.UploadsAsync()).Should().NotContain(k => k.StartsWith("out/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DisposeAsync_WithoutComplete_AbortsTheUpload_LeavingNoObjectAndNoParts()
    {
        var sink = new S3JsonLinesSink<Event>(bucket.Client, bucket.Uri("aborted/")) { PartSize = 5 << 20 };
        var context = new SinkContext(new RunKey("s3-abort", Day), new Partition(0, "p", "file:x"), null) { Fence = Token(1) };
        await using (var writer = await sink.OpenAsync(context, CancellationToken.None))
        {
            var big = Enumerable.Range(0, 120_000).Select(i => new Event(i, new string('x', 40), i)).ToArray(); // about 7 MiB: one part sent
            await writer.WriteAsync(big, CancellationToken.None);
            await writer.CommitAsync(CancellationToken.None);
            (await bucket.UploadsAsync()).Should().ContainSingle(k => k.StartsWith("aborted/", StringComparison.Ordinal));
        }

        (await bucket.KeysAsync("aborted/")).Should().BeEmpty();
        (await bucket.UploadsAsync()).Should().NotContain(k => k.StartsWith("aborted/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CompleteAsync_FencedOutWriter_CannotReplaceWhatALaterEpochPublished()
    {
        var sink = new S3JsonLinesSink<Event>(bucket.Client, bucket.Uri("fenced/"));
        var runKey = new RunKey("s3-fenced", Day);
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
        (await bucket.GetTextAsync(manifest.DataObject[$"s3://{bucket.Name}/".Length..])).Should().Contain("later");

        // A fenced-out writer that is told it lost the lease does not even write its object.
        await using var lost = await sink.OpenAsync(new SinkContext(runKey, partition, null) { Fence = Token(3, held: false) }, CancellationToken.None);
        await lost.WriteAsync(new[] { new Event(1, "lost", 3) }, CancellationToken.None);
        await ((Func<Task>)(() => lost.CompleteAsync(CancellationToken.None).AsTask())).Should().ThrowAsync<LeaseLostException>();
        (await sink.GetPublishedAsync(runKey, "p"))!.Epoch.Should().Be(2);

        // Opening a writer of an older epoch than the published one fails at once.
        var open = () => sink.OpenAsync(new SinkContext(runKey, partition, null) { Fence = Token(1) }, CancellationToken.None).AsTask();
        await open.Should().ThrowAsync<LeaseLostException>();

        // The stale epoch's data object is unreferenced: cleanup removes it, and never the published one.
        var removed = await S3Cleanup.RemoveUnpublishedAsync(bucket.Client, bucket.Uri("fenced/"), TimeSpan.Zero);
        removed.Should().ContainSingle().Which.Should().EndWith("/p.e1.jsonl");
        (await bucket.KeysAsync("fenced/")).Should().BeEquivalentTo("fenced/date=2026-11-22/_manifests/p.json", manifest.DataObject[$"s3://{bucket.Name}/".Length..]);
    }

    [Fact]
    public async Task AbortStaleUploadsAsync_RemovesTheUploadOfAKilledWriter()
    {
        var sink = new S3JsonLinesSink<Event>(bucket.Client, bucket.Uri("killed/")) { PartSize = 5 << 20 };
        var context = new SinkContext(new RunKey("s3-killed", Day), new Partition(0, "p", "file:x"), null) { Fence = Token(1) };
        var writer = await sink.OpenAsync(context, CancellationToken.None); // never disposed: the process "died"
        await writer.WriteAsync(Enumerable.Range(0, 120_000).Select(i => new Event(i, new string('x', 40), i)).ToArray(), CancellationToken.None);
        (await bucket.UploadsAsync()).Should().Contain(k => k.StartsWith("killed/", StringComparison.Ordinal));

        var aborted = await S3Cleanup.AbortStaleUploadsAsync(bucket.Client, bucket.Uri("killed/"), TimeSpan.Zero);

        aborted.Should().ContainSingle().Which.Should().Be(bucket.Uri("killed/date=2026-11-22/p.e1.jsonl"));
        (await bucket.UploadsAsync()).Should().NotContain(k => k.StartsWith("killed/", StringComparison.Ordinal));
        (await bucket.KeysAsync("killed/")).Should().BeEmpty();
    }

    [Fact]
    public async Task CompleteAsync_MissingBucket_FailsAtOnceNamingIt()
    {
        var name = "bk-no-such-bucket-" + Guid.NewGuid().ToString("N")[..8];
        var sink = new S3JsonLinesSink<Event>(bucket.Client, $"s3://{name}/out/");
        var context = new SinkContext(new RunKey("s3-missing", Day), new Partition(0, "p", "file:x"), null) { Fence = Token(1) };
        var run = async () =>
        {
            await using var writer = await sink.OpenAsync(context, CancellationToken.None);
            await writer.WriteAsync(new[] { new Event(1, "a", 1) }, CancellationToken.None);
            await writer.CompleteAsync(CancellationToken.None);
        };
        var error = (await run.Should().ThrowAsync<S3StorageException>()).Which;
        error.Message.Should().Contain(name).And.Contain("NoSuchBucket");
        error.IsTransient.Should().BeFalse();
        error.Message.Should().NotContain(Testing.Services.TestServices.S3SecretKey).And.NotContain("Signature");
    }
}
