using BatchKit.Tests.Support;

namespace BatchKit.Tests.Failures;

/// <summary>The heartbeat survives transient store errors and stops the run only when the lease is definitively lost.</summary>
public sealed class LeaseRenewalTests
{
    private static readonly RunParameters Date = RunParameters.Of("date", new DateOnly(2026, 11, 22));
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task RunAsync_RenewalFailsTransiently_RetriesAndCompletes()
    {
        var inner = new InMemoryCheckpointStore();
        await using var store = new FlakyRenewalStore(inner, failingRenewals: 2);
        var sink = new CollectingSink<Item>();
        sink.BeforeWrite = _ => new ValueTask(Task.Delay(100));

        var result = await RunAsync(store, sink, Items.Create(2_000)).WaitAsync(Limit);

        result.Status.Should().Be(RunStatus.Completed, result.Exception?.ToString());
        store.Failures.Should().Be(2, "two renewals failed with a transient error");
        store.Successes.Should().BePositive("the failed renewals were retried and the heartbeat went on");
        sink.Records.Should().Equal(Items.Create(2_000));
        (await inner.GetRunAsync(result.RunKey.Value, default))!.Status.Should().Be(RunStatus.Completed);
    }

    [Fact]
    public async Task RunAsync_RenewalFailsUntilLeaseCannotBeTrusted_StopsWritingWithLeaseLost()
    {
        var inner = new InMemoryCheckpointStore();
        await using var store = new FlakyRenewalStore(inner, failingRenewals: int.MaxValue);
        var sink = new CollectingSink<Item>();
        sink.BeforeWrite = _ => new ValueTask(Task.Delay(100));

        var run = async () => await RunAsync(store, sink, Items.Create(5_000));

        await run.Should().ThrowAsync<LeaseLostException>();
        sink.Chunks.Should().BeLessThan(20, "the attempt stops writing once its lease is older than the lease duration minus the safety margin (of 50 chunks)");
        (await inner.GetRunAsync(new RunKey("renewals", Date).Value, default))!.Status.Should().NotBe(RunStatus.Completed);
    }

    [Fact]
    public async Task RunAsync_StoreSaysLeaseWasTakenOver_DoesNotPublish()
    {
        using var dir = new TempDirectory();
        var inner = new InMemoryCheckpointStore();
        await using var store = new FlakyRenewalStore(inner, failingRenewals: 0) { ReportLost = true };
        var sink = new JsonLinesSink<Item>(dir.Path);

        var run = async () => await new JobRunner(Job.Create("renewals")
            .ReadFrom(EnumerableSource<Item>.FromList(Items.Create(500)))
            .WriteTo(sink)
            .WithCommitInterval(50)
            .UseCheckpointStore(store)
            .Build()).RunAsync(Date);

        await run.Should().ThrowAsync<LeaseLostException>();
        File.Exists(sink.PathOf(new RunKey("renewals", Date), "all")).Should().BeFalse("publishing confirms the lease first, and the store says it is gone");
    }

    private static Task<RunResult> RunAsync(ICheckpointStore store, ISink<Item> sink, IReadOnlyList<Item> input) =>
        new JobRunner(Job.Create("renewals")
            .ReadFrom(EnumerableSource<Item>.FromList(input))
            .WriteTo(sink)
            .WithCommitInterval(100)
            .Configure(o => o.LeaseDuration = TimeSpan.FromSeconds(1))
            .UseCheckpointStore(store)
            .Build()).RunAsync(Date);

    /// <summary>A store whose first renewals fail with a transient error, or that reports the lease as taken over.</summary>
    private sealed class FlakyRenewalStore(ICheckpointStore inner, int failingRenewals) : DelegatingCheckpointStore(inner)
    {
        private int _failures;
        private int _successes;

        public bool ReportLost { get; init; }

        public int Failures => Volatile.Read(ref _failures);

        public int Successes => Volatile.Read(ref _successes);

        public override async ValueTask<bool> RenewLeaseAsync(RunLease lease, TimeSpan leaseDuration, CancellationToken cancellationToken)
        {
            if (ReportLost)
            {
                return false;
            }

            if (Interlocked.Increment(ref _failures) <= failingRenewals)
            {
                throw new IOException("database is locked");
            }

            Interlocked.Decrement(ref _failures);
            Interlocked.Increment(ref _successes);
            return await base.RenewLeaseAsync(lease, leaseDuration, cancellationToken);
        }
    }
}
