using System.Collections.Concurrent;
using BatchKit.Tests.Support;

namespace BatchKit.Tests.State;

public sealed class RunMaintenanceTests
{
    private static readonly RunParameters Day = RunParameters.Of("date", new DateOnly(2026, 11, 30));

    [Fact]
    public async Task RetryFailedPartitionsAsync_FailedRun_ReopensOnlyTheFailedPartitionAndTheNextRunFinishesIt()
    {
        using var dir = new TempDirectory();
        await using var store = new SqliteCheckpointStore(dir.File("state.db"));
        var failing = true;
        var written = new ConcurrentDictionary<string, int>();
        var first = await new JobRunner(Build(store, () => failing, written)).RunAsync(Day);
        first.Status.Should().Be(RunStatus.Failed);

        var reopened = await RunMaintenance.RetryFailedPartitionsAsync(store, first.RunKey.Value, "test-operator");

        reopened.Should().Equal("rows-0002");
        var states = await store.GetPartitionStatesAsync(first.RunKey.Value, default);
        states.Select(s => s.Status).Should().Equal(PartitionStatus.Completed, PartitionStatus.Completed, PartitionStatus.Pending);
        var run = (await store.GetRunAsync(first.RunKey.Value, default))!;
        run.Status.Should().Be(RunStatus.Failed, "the status is written back unchanged; the next run decides it");
        run.LeaseOwner.Should().BeNull();

        failing = false;
        var second = await new JobRunner(Build(store, () => failing, written)).RunAsync(Day);

        second.Status.Should().Be(RunStatus.Completed);
        second.PartitionsProcessed.Should().Be(1, "only the reopened partition runs again");
        written.Should().ContainKey("rows-0002").WhoseValue.Should().Be(100);
        written.Values.Sum().Should().Be(300);
    }

    [Fact]
    public async Task RetryFailedPartitionsAsync_RunLeaseHeldByALiveWorker_IsRefusedAndChangesNothing()
    {
        using var dir = new TempDirectory();
        await using var store = new SqliteCheckpointStore(dir.File("state.db"));
        var first = await new JobRunner(Build(store, () => true, new())).RunAsync(Day);
        var (lease, _) = await store.AcquireRunAsync(first.RunKey, "another-worker", TimeSpan.FromMinutes(5), default);

        var act = () => RunMaintenance.RetryFailedPartitionsAsync(store, first.RunKey.Value, "test-operator");

        await act.Should().ThrowAsync<RunLeaseConflictException>();
        (await store.GetPartitionStatesAsync(first.RunKey.Value, default)).Should().Contain(s => s.Status == PartitionStatus.Failed);
        (await store.GetRunAsync(first.RunKey.Value, default))!.LeaseOwner.Should().Be("another-worker");
        await store.SetRunStatusAsync(lease, RunStatus.Failed, null, release: true, default);
    }

    [Fact]
    public async Task RetryFailedPartitionsAsync_UnknownRunOrNoFailure_ThrowsOrDoesNothing()
    {
        using var dir = new TempDirectory();
        await using var store = new SqliteCheckpointStore(dir.File("state.db"));
        var clean = await new JobRunner(Build(store, () => false, new())).RunAsync(Day);

        var unknown = () => RunMaintenance.RetryFailedPartitionsAsync(store, new string('0', 64), "test-operator");
        var nothing = await RunMaintenance.RetryFailedPartitionsAsync(store, clean.RunKey.Value, "test-operator");

        await unknown.Should().ThrowAsync<KeyNotFoundException>().WithMessage("*0000*");
        nothing.Should().BeEmpty();
        (await store.GetRunAsync(clean.RunKey.Value, default))!.Status.Should().Be(RunStatus.Completed);
    }

    private static Job Build(ICheckpointStore store, Func<bool> failing, ConcurrentDictionary<string, int> written) =>
        Job.Create("maintenance")
            .ReadFrom(EnumerableSource<int>.FromList([.. Enumerable.Range(0, 300)]))
            .PartitionBy(Partitioners.RowRanges(300, 100))
            .Select(i => i >= 250 && failing() ? throw new BatchKitException($"record {i} cannot be priced") { IsTransient = false } : i)
            .WriteTo(new DelegateSink<int>((context, records, _) =>
            {
                written.AddOrUpdate(context.Partition.Id, records.Length, (_, n) => n + records.Length);
                return ValueTask.CompletedTask;
            }))
            .WithCommitInterval(25)
            .Configure(o => o.MaxPartitionAttempts = 1)
            .UseCheckpointStore(store)
            .Build();
}
