using BatchKit.Tests.Support;

namespace BatchKit.Tests.Execution;

/// <summary>Records leave a partition in the order they entered it: across steps, chunks, a failed write and a resume.</summary>
public sealed class OrderingTests
{
    private static readonly RunParameters Date = RunParameters.Of("date", new DateOnly(2026, 11, 22));

    [Fact]
    public async Task RunAsync_FilterSelectManyAcrossChunksWithRetryAndResume_KeepsInputOrder()
    {
        using var dir = new TempDirectory();
        Items.WriteJsonLines(dir.File("in"), files: 1, perFile: 5_000);
        await using var store = new SqliteCheckpointStore(dir.File("state.db"));
        var sink = new JsonLinesSink<Item>(dir.File("out"));
        using var cancellation = new CancellationTokenSource();
        var writes = 0;
        var flaky = new HookedSink<Item>(sink, () =>
        {
            var n = Interlocked.Increment(ref writes);
            if (n == 9)
            {
                throw new IOException("the disk hiccupped"); // a failed write: the sink reopens at its last commit
            }

            if (n == 40)
            {
                cancellation.Cancel(); // the process stops here; the next run resumes from the checkpoint
            }
        });

        Job Build(ISink<Item> target) => Job.Create("ordering")
            .ReadFrom(new JsonLinesSource<Item>())
            .PartitionBy(Partitioners.Files(dir.File("in"), "*.jsonl"))
            .Where(i => i.Id % 3 != 0)
            .SelectMany(i => new[] { i, i with { Name = i.Name + "-copy" } })
            .Select(i => i with { Value = i.Value + 1 })
            .WriteTo(target)
            .WithCommitInterval(37)
            .Configure(o => o.Retry.BaseDelay = TimeSpan.FromMilliseconds(1))
            .UseCheckpointStore(store)
            .Build();

        var first = async () => await new JobRunner(Build(flaky)).RunAsync(Date, cancellation.Token);
        await first.Should().ThrowAsync<OperationCanceledException>();
        var resumed = await new JobRunner(Build(flaky)).RunAsync(Date);

        resumed.Status.Should().Be(RunStatus.Completed, resumed.Exception?.ToString());
        var expected = Items.Create(5_000).Where(i => i.Id % 3 != 0)
            .SelectMany(i => new[] { i, i with { Name = i.Name + "-copy" } })
            .Select(i => i with { Value = i.Value + 1 })
            .ToList();
        var lines = File.ReadAllLines(sink.PathOf(new RunKey("ordering", Date), "in-00"));
        lines.Select(l => System.Text.Json.JsonSerializer.Deserialize<Item>(l, Items.Json)).Should().Equal(expected, "order within a partition is kept, and each record is written once");
    }

    /// <summary>Runs a hook before each chunk write of an inner sink.</summary>
    private sealed class HookedSink<T>(ISink<T> inner, Action beforeWrite) : ISink<T>
    {
        public WriteDisposition Disposition => inner.Disposition;

        public async ValueTask<ISinkWriter<T>> OpenAsync(SinkContext context, CancellationToken cancellationToken) =>
            new Writer(await inner.OpenAsync(context, cancellationToken), beforeWrite);

        private sealed class Writer(ISinkWriter<T> inner, Action beforeWrite) : ISinkWriter<T>
        {
            public ValueTask WriteAsync(ReadOnlyMemory<T> records, CancellationToken cancellationToken)
            {
                beforeWrite();
                return inner.WriteAsync(records, cancellationToken);
            }

            public ValueTask<long> CommitAsync(CancellationToken cancellationToken) => inner.CommitAsync(cancellationToken);

            public ValueTask CompleteAsync(CancellationToken cancellationToken) => inner.CompleteAsync(cancellationToken);

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }
}
