using BatchKit;

namespace BatchKit.Testing;

/// <summary>Partition leases: claims, the worker share, the barrier, takeovers, release and reopening.</summary>
public abstract partial class CheckpointStoreContract
{
    private static PartitionClaim Claim(string owner, RunKey? key = null) => new((key ?? Key()).Value, owner, LeaseDuration);

    /// <summary>Checks <c>ClaimPartitionAsync</c>: two workers; get distinct partitions in plan order then null.</summary>
    [Fact]
    public async Task ClaimPartitionAsync_TwoWorkers_GetDistinctPartitionsInPlanOrderThenNull()
    {
        await using var store = CreateStore(Time);
        var (run, _) = await store.AcquireRunAsync(Key(), "planner", LeaseDuration, default);
        await store.SavePlanAsync(run, Plan(3), default);

        var a = await store.ClaimPartitionAsync(Claim("worker-a"), default);
        var b = await store.ClaimPartitionAsync(Claim("worker-b"), default);
        var c = await store.ClaimPartitionAsync(Claim("worker-a"), default);
        var none = await store.ClaimPartitionAsync(Claim("worker-b"), default);

        new[] { a, b, c }.Select(l => l!.PartitionId).Should().Equal("hash-0000", "hash-0001", "hash-0002");
        a.Should().Be(new PartitionLease(Key().Value, "hash-0000", "worker-a", 1));
        none.Should().BeNull();
        var states = await store.GetPartitionStatesAsync(Key().Value, default);
        states.Should().OnlyContain(s => s.Status == PartitionStatus.Running && s.LeaseExpiresAt == Time.GetUtcNow() + LeaseDuration);
        states.Select(s => s.LeaseOwner).Should().Equal("worker-a", "worker-b", "worker-a");
    }

    /// <summary>Checks <c>ClaimPartitionAsync</c>: many concurrent claims; never return one partition twice.</summary>
    [Fact]
    public async Task ClaimPartitionAsync_ManyConcurrentClaims_NeverReturnOnePartitionTwice()
    {
        await using var store = CreateStore(Time);
        var (run, _) = await store.AcquireRunAsync(Key(), "planner", LeaseDuration, default);
        await store.SavePlanAsync(run, Plan(40), default);

        var claims = await Task.WhenAll(Enumerable.Range(0, 60).Select(i => Task.Run(async () => await store.ClaimPartitionAsync(Claim($"worker-{i % 5}"), default))));

        claims.OfType<PartitionLease>().Select(l => l.PartitionId).Should().OnlyHaveUniqueItems().And.HaveCount(40);
    }

    /// <summary>Checks <c>ClaimPartitionAsync</c>: worker share; takes own share first then steals.</summary>
    [Fact]
    public async Task ClaimPartitionAsync_WorkerShare_TakesOwnShareFirstThenSteals()
    {
        await using var store = CreateStore(Time);
        var (run, _) = await store.AcquireRunAsync(Key(), "planner", LeaseDuration, default);
        await store.SavePlanAsync(run, Plan(4), default);
        var share = Claim("worker-1") with { WorkerCount = 2, WorkerIndex = 1 };

        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add((await store.ClaimPartitionAsync(share, default))!.PartitionId);
        }

        ids.Should().Equal("hash-0001", "hash-0003", "hash-0000", "hash-0002");
    }

    /// <summary>Checks <c>ClaimPartitionAsync</c>: barrier; targets claimable only once every extract completed.</summary>
    [Fact]
    public async Task ClaimPartitionAsync_Barrier_TargetsClaimableOnlyOnceEveryExtractCompleted()
    {
        await using var store = CreateStore(Time);
        var (run, _) = await store.AcquireRunAsync(Key(), "planner", LeaseDuration, default);
        await store.SavePlanAsync(run, Plan(4) with { Barrier = 2 }, default);
        var e0 = await store.ClaimPartitionAsync(Claim("worker-a"), default);
        var e1 = await store.ClaimPartitionAsync(Claim("worker-b"), default);
        await store.SetPartitionStateAsync(e0!, new PartitionState(e0!.PartitionId, PartitionStatus.Completed, 1, null, Time.GetUtcNow()), true, default);

        var blocked = await store.ClaimPartitionAsync(Claim("worker-a"), default);
        await store.SetPartitionStateAsync(e1!, new PartitionState(e1!.PartitionId, PartitionStatus.Completed, 1, null, Time.GetUtcNow()), true, default);
        var open = await store.ClaimPartitionAsync(Claim("worker-a"), default);

        (await store.GetPlanAsync(Key().Value, default))!.Barrier.Should().Be(2);
        new[] { e0.PartitionId, e1.PartitionId }.Should().Equal("hash-0000", "hash-0001");
        blocked.Should().BeNull("a target partition waits until every partition before the barrier completed");
        open!.PartitionId.Should().Be("hash-0002");
    }

    /// <summary>Checks <c>ClaimPartitionAsync</c>: expired or gone owner; takes over with next epoch.</summary>
    [Fact]
    public async Task ClaimPartitionAsync_ExpiredOrGoneOwner_TakesOverWithNextEpoch()
    {
        await using var store = CreateStore(Time);
        var (run, _) = await store.AcquireRunAsync(Key(), "planner", LeaseDuration, default);
        await store.SavePlanAsync(run, Plan(2), default);
        var first = await store.ClaimPartitionAsync(Claim("worker-a"), default);
        var second = await store.ClaimPartitionAsync(Claim("worker-b"), default);
        Time.Advance(LeaseDuration - TimeSpan.FromSeconds(1));

        var live = await store.ClaimPartitionAsync(Claim("worker-c"), default);
        var gone = await store.ClaimPartitionAsync(Claim("worker-c") with { GoneOwners = ["worker-b"] }, default);
        Time.Advance(TimeSpan.FromSeconds(1));
        var expired = await store.ClaimPartitionAsync(Claim("worker-c"), default);

        live.Should().BeNull("both leases are live");
        gone.Should().Be(new PartitionLease(Key().Value, "hash-0001", "worker-c", second!.Epoch + 1));
        expired.Should().Be(new PartitionLease(Key().Value, "hash-0000", "worker-c", first!.Epoch + 1));
        (await store.RenewPartitionLeaseAsync(first, LeaseDuration, default)).Should().BeFalse();
    }

    /// <summary>Checks <c>SetPartitionStateAsync</c>: release; pending is claimable again failed is not.</summary>
    [Fact]
    public async Task SetPartitionStateAsync_Release_PendingIsClaimableAgainFailedIsNot()
    {
        await using var store = CreateStore(Time);
        var (run, _) = await store.AcquireRunAsync(Key(), "planner", LeaseDuration, default);
        await store.SavePlanAsync(run, Plan(2), default);
        var a = (await store.ClaimPartitionAsync(Claim("worker-a"), default))!;
        var b = (await store.ClaimPartitionAsync(Claim("worker-a"), default))!;

        await store.SetPartitionStateAsync(a, new PartitionState(a.PartitionId, PartitionStatus.Pending, 1, null, Time.GetUtcNow()), true, default);
        await store.SetPartitionStateAsync(b, new PartitionState(b.PartitionId, PartitionStatus.Failed, 3, "disk full", Time.GetUtcNow()), true, default);
        var again = await store.ClaimPartitionAsync(Claim("worker-b"), default);
        var none = await store.ClaimPartitionAsync(Claim("worker-b"), default);
        await store.ReopenPartitionAsync(run, b.PartitionId, clearCheckpoint: false, default);
        var reopened = await store.ClaimPartitionAsync(Claim("worker-b"), default);

        again.Should().Be(new PartitionLease(Key().Value, "hash-0000", "worker-b", 2));
        none.Should().BeNull("a failed partition without a lease is done for this pass");
        reopened.Should().Be(new PartitionLease(Key().Value, "hash-0001", "worker-b", 2));
        (await store.GetPartitionStatesAsync(Key().Value, default))[1].Attempts.Should().Be(3);
    }

    /// <summary>Checks <c>ResetRunAsync</c>: planned again; partition epochs keep growing.</summary>
    [Fact]
    public async Task ResetRunAsync_PlannedAgain_PartitionEpochsKeepGrowing()
    {
        await using var store = CreateStore(Time);
        var (run, _) = await store.AcquireRunAsync(Key(), "planner", LeaseDuration, default);
        await store.SavePlanAsync(run, Plan(1), default);
        await store.ClaimPartitionAsync(Claim("worker-a"), default);
        Time.Advance(LeaseDuration);
        var second = await store.ClaimPartitionAsync(Claim("worker-b"), default);

        await store.ResetRunAsync(run, default);
        await store.SavePlanAsync(run, Plan(1), default);
        var afterReset = await store.ClaimPartitionAsync(Claim("worker-c"), default);
        var renewOld = await store.RenewPartitionLeaseAsync(second!, LeaseDuration, default);

        second!.Epoch.Should().Be(2);
        afterReset!.Epoch.Should().Be(3, "sinks remember the highest epoch of a partition, so a new plan's epochs start above it");
        renewOld.Should().BeFalse();
    }

    /// <summary>Checks <c>DeleteRunsEndedBeforeAsync</c>: partition lease live; keeps run.</summary>
    [Fact]
    public async Task DeleteRunsEndedBeforeAsync_PartitionLeaseLive_KeepsRun()
    {
        await using var store = CreateStore(Time);
        var (run, _) = await store.AcquireRunAsync(Key(), "planner", LeaseDuration, default);
        await store.SavePlanAsync(run, Plan(1), default);
        await store.SetRunStatusAsync(run, RunStatus.Failed, "boom", release: true, default);
        await store.ClaimPartitionAsync(Claim("worker-a"), default);
        Time.Advance(TimeSpan.FromSeconds(1));

        var kept = await store.DeleteRunsEndedBeforeAsync(Time.GetUtcNow(), default);
        Time.Advance(LeaseDuration);
        var deleted = await store.DeleteRunsEndedBeforeAsync(Time.GetUtcNow(), default);

        kept.Should().BeEmpty();
        deleted.Should().Equal(Key().Value);
    }
}
