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
    public async Task RunAsync_RenewalOfFirstEpochFailsUntilLeaseCannotBeTrusted_StopsWritingAndNextEpochFinishes()
    {
        var inner = new InMemoryCheckpointStore();
        await using var store = new FlakyRenewalStore(inner, failingRenewals: int.MaxValue) { FailingEpoch = 1 };
        var sink = new CollectingSink<Item>();
        var chunksAtFirstEpoch = 0;
        sink.BeforeWrite = _ =>
        {
            if (store.LastClaimedEpoch == 1)
            {
                Interlocked.Increment(ref chunksAtFirstEpoch);
            }

            return new ValueTask(Task.Delay(100));
        };

        var result = await RunAsync(store, sink, Items.Create(5_000)).WaitAsync(Limit);

        result.Status.Should().Be(RunStatus.Completed, result.Exception?.ToString());
        chunksAtFirstEpoch.Should().BeLessThan(20, "the first epoch stops writing once its lease is older than the lease duration minus the safety margin (of 50 chunks)");
        store.LastClaimedEpoch.Should().BeGreaterThan(1, "the partition was claimed again, with the next epoch, once its lease expired");
        (await inner.GetPartitionStatesAsync(result.RunKey.Value, default)).Single().Status.Should().Be(PartitionStatus.Completed);
    }

    [Fact]
    public async Task RunAsync_StoreSaysLeaseWasTakenOver_DoesNotPublish()
    {
        using var dir = new TempDirectory();
        var inner = new InMemoryCheckpointStore();
        await using var store = new FlakyRenewalStore(inner, failingRenewals: 0) { ReportLost = true, FailingEpoch = 1 };
        var sink = new JsonLinesSink<Item>(dir.Path);
        var published = new List<long>();
        var watching = new WatchingSink(sink, epoch =>
        {
            lock (published)
            {
                published.Add(epoch);
            }
        });

        var result = await new JobRunner(Job.Create("renewals")
            .ReadFrom(EnumerableSource<Item>.FromList(Items.Create(500)))
            .WriteTo(watching)
            .WithCommitInterval(50)
            .UseCheckpointStore(store)
            .Build()).RunAsync(Date).WaitAsync(Limit);

        result.Status.Should().Be(RunStatus.Completed, result.Exception?.ToString());
        published.Should().Equal([2L], "publishing confirms the lease first: epoch 1, which the store says is gone, did not publish; epoch 2 did");
        File.ReadLines(sink.PathOf(new RunKey("renewals", Date), "all")).Should().HaveCount(500);
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

        private long _lastClaimedEpoch;

        public bool ReportLost { get; init; }

        /// <summary>Gets the only partition epoch whose renewals fail or are reported lost; 0 for all.</summary>
        public long FailingEpoch { get; init; }

        public long LastClaimedEpoch => Interlocked.Read(ref _lastClaimedEpoch);

        public override async ValueTask<PartitionLease?> ClaimPartitionAsync(PartitionClaim claim, CancellationToken cancellationToken)
        {
            var lease = await base.ClaimPartitionAsync(claim, cancellationToken);
            if (lease is not null)
            {
                Interlocked.Exchange(ref _lastClaimedEpoch, lease.Epoch);
            }

            return lease;
        }

        public int Failures => Volatile.Read(ref _failures);

        public int Successes => Volatile.Read(ref _successes);

        public override async ValueTask<bool> RenewPartitionLeaseAsync(PartitionLease lease, TimeSpan leaseDuration, CancellationToken cancellationToken)
        {
            if (FailingEpoch != 0 && lease.Epoch != FailingEpoch)
            {
                return await base.RenewPartitionLeaseAsync(lease, leaseDuration, cancellationToken);
            }

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
            return await base.RenewPartitionLeaseAsync(lease, leaseDuration, cancellationToken);
        }
    }

    /// <summary>Passes every call to a sink and reports the epoch of each completed (published) partition.</summary>
    private sealed class WatchingSink(ISink<Item> inner, Action<long> published) : ISink<Item>
    {
        public WriteDisposition Disposition => inner.Disposition;

        public async ValueTask<ISinkWriter<Item>> OpenAsync(SinkContext context, CancellationToken cancellationToken) =>
            new PublishWatcher(await inner.OpenAsync(context, cancellationToken), () => published(context.Fence.Epoch));
    }

    /// <summary>Passes every call to a writer and reports each completion (the publish).</summary>
    private sealed class PublishWatcher(ISinkWriter<Item> inner, Action completed) : ISinkWriter<Item>
    {
        public ValueTask WriteAsync(ReadOnlyMemory<Item> records, CancellationToken cancellationToken) => inner.WriteAsync(records, cancellationToken);

        public ValueTask<long> CommitAsync(CancellationToken cancellationToken) => inner.CommitAsync(cancellationToken);

        public async ValueTask CompleteAsync(CancellationToken cancellationToken)
        {
            await inner.CompleteAsync(cancellationToken);
            completed();
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
