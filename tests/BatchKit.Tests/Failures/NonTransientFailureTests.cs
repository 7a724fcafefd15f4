using BatchKit.Tests.Support;

namespace BatchKit.Tests.Failures;

public sealed class NonTransientFailureTests
{
    private static readonly RunParameters Date = RunParameters.Of("date", new DateOnly(2026, 11, 22));

    [Fact]
    public async Task RunAsync_NonTransientSourceFailure_IsNotRetriedAndStopsScheduling()
    {
        using var temp = new TempDirectory();
        await using var store = new SqliteCheckpointStore(temp.File("state.db"));
        var source = new FailingSource();
        var job = Job.Create("schema-mismatch")
            .ReadFrom(source)
            .PartitionBy(Partitioners.RowRanges(11_000, 1_000))
            .WriteTo(new CollectingSink<Item>())
            .WithParallelism(1)
            .Configure(o => o.Retry.BaseDelay = TimeSpan.FromMilliseconds(1))
            .UseCheckpointStore(store)
            .Build();

        var result = await new JobRunner(job).RunAsync(Date);

        result.Status.Should().Be(RunStatus.Failed);
        source.Opens.Should().Be(1, "a failure that can never succeed is neither retried nor repeated on the other partitions");
        result.Exception!.Message.Should().Contain("after 1 attempt(s)").And.NotContain("after 3 attempt(s)");
        var states = await store.GetPartitionStatesAsync(result.RunKey.Value, CancellationToken.None);
        states.Where(s => s.Status == PartitionStatus.Failed).Should().ContainSingle().Which.Attempts.Should().Be(1);
    }

    [Fact]
    public async Task RunAsync_TransientFailureThenSuccess_CountsRealAttempts()
    {
        await using var store = new InMemoryCheckpointStore();
        var source = new FailingSource { Transient = true };
        var job = Job.Create("transient")
            .ReadFrom(source)
            .WriteTo(new CollectingSink<Item>())
            .Configure(o => o.Retry.MaxRetries = 0)
            .Configure(o => o.Retry.BaseDelay = TimeSpan.FromMilliseconds(1))
            .UseCheckpointStore(store)
            .Build();

        var result = await new JobRunner(job).RunAsync(Date);

        source.Opens.Should().Be(3);
        result.Exception!.Message.Should().Contain("after 3 attempt(s)");
    }

    private sealed class FailingSource : ISource<Item>
    {
        private int _opens;

        public bool Transient { get; init; }

        public int Opens => Volatile.Read(ref _opens);

        public ValueTask<ISourceReader<Item>> OpenAsync(SourceContext context, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _opens);
            throw new BatchKitException($"Partition '{context.Partition.Id}': column 'amount' expected long, found string.") { IsTransient = Transient };
        }
    }
}
