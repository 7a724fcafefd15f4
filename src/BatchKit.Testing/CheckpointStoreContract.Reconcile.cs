using BatchKit;

namespace BatchKit.Testing;

/// <summary>
/// Amending the frozen plan of a completed run whose input changed (late-arriving data): one transaction that keeps the
/// unchanged partitions, reopens the changed ones from their first record, adds the new ones above every epoch seen, drops
/// the vanished ones with their checkpoints and error records, and sets the run running again.
/// </summary>
public abstract partial class CheckpointStoreContract
{
    private static PartitionPlan FilePlan(params (string Id, string Identity)[] partitions) =>
        new("fp-files", partitions.Select((p, i) => new Partition(i, p.Id, "file:/in/" + p.Id) { InputIdentity = p.Identity }).ToList()) { Definition = "job: nightly-orders\n" };

    private async Task<RunLease> CompletedFileRunAsync(ICheckpointStore store, RunKey key)
    {
        var (lease, _) = await store.AcquireRunAsync(key, "worker-a", LeaseDuration, default);
        await store.SavePlanAsync(lease, FilePlan(("a", "size=1"), ("b", "size=2"), ("c", "size=3")), default);
        foreach (var id in (string[])["a", "b"])
        {
            var partition = await PartitionLeaseAsync(store, lease, id);
            await store.CommitChunkAsync(partition, Checkpoint(id, 10, 10, 1), [Error(key, id, 3)], default);
            await store.SetPartitionStateAsync(partition, new PartitionState(id, PartitionStatus.Completed, 1, null, Time.GetUtcNow()), release: true, default);
        }

        // "c" is taken over once its first lease expired: its epoch is the run's highest.
        await PartitionLeaseAsync(store, lease, "c");
        Time.Advance(LeaseDuration + TimeSpan.FromSeconds(1));
        var takenOver = (await store.ClaimPartitionAsync(new PartitionClaim(key.Value, "worker-x", LeaseDuration), default))!;
        takenOver.PartitionId.Should().Be("c");
        await store.CommitChunkAsync(takenOver, Checkpoint("c", 10, 10, 1), [Error(key, "c", 3)], default);
        await store.SetPartitionStateAsync(takenOver, new PartitionState("c", PartitionStatus.Completed, 2, null, Time.GetUtcNow()), release: true, default);
        await store.SetRunStatusAsync(lease, RunStatus.Completed, null, release: true, default);
        return lease;
    }

    /// <summary>Checks <c>AmendPlanAsync</c>: changed new and vanished inputs; reopens adds and drops in one step and runs the run again.</summary>
    [Fact]
    public async Task AmendPlanAsync_ChangedNewAndVanishedInputs_ReopensAddsAndDropsInOneStepAndRunsTheRunAgain()
    {
        await using var store = CreateStore(Time);
        var key = Key();
        await CompletedFileRunAsync(store, key);
        var before = (await store.GetPartitionStatesAsync(key.Value, default)).ToDictionary(s => s.PartitionId);
        Time.Advance(TimeSpan.FromHours(20));
        var (lease, run) = await store.AcquireRunAsync(key, "worker-b", LeaseDuration, default);
        run.Status.Should().Be(RunStatus.Completed);
        var amended = FilePlan(("a", "size=1"), ("b", "size=20"), ("d", "size=4"));

        await store.AmendPlanAsync(lease, amended, ["b"], default);

        var plan = (await store.GetPlanAsync(key.Value, default))!;
        plan.Partitions.Should().Equal(amended.Partitions);
        plan.Definition.Should().Be(amended.Definition);
        var states = await store.GetPartitionStatesAsync(key.Value, default);
        states.Select(s => (s.PartitionId, s.Status)).Should().Equal(("a", PartitionStatus.Completed), ("b", PartitionStatus.Pending), ("d", PartitionStatus.Pending));
        states[0].Should().Be(before["a"], "an unchanged partition is not touched");
        states[1].Attempts.Should().Be(1, "the attempt count is kept");
        states[1].LeaseOwner.Should().BeNull();
        (await store.GetCheckpointAsync(key.Value, "a", default)).Should().NotBeNull();
        (await store.GetCheckpointAsync(key.Value, "b", default)).Should().BeNull("a changed partition starts again from its first record");
        (await store.GetCheckpointAsync(key.Value, "c", default)).Should().BeNull("a vanished partition leaves nothing behind");
        var errors = await store.QueryErrorsAsync(new ErrorQuery(key.Value), default);
        errors.Select(e => e.PartitionId).Should().Equal("a");
        var after = (await store.GetRunAsync(key.Value, default))!;
        after.Status.Should().Be(RunStatus.Running);
        after.EndedAt.Should().BeNull();
        after.LeaseOwner.Should().Be("worker-b", "the lease is kept for the rest of the join");

        await store.SetRunStatusAsync(lease, RunStatus.Running, null, release: true, default);
        var highest = before.Values.Max(s => s.LeaseEpoch);
        var first = (await store.ClaimPartitionAsync(new PartitionClaim(key.Value, "worker-b", LeaseDuration), default))!;
        var second = (await store.ClaimPartitionAsync(new PartitionClaim(key.Value, "worker-b", LeaseDuration), default))!;
        (await store.ClaimPartitionAsync(new PartitionClaim(key.Value, "worker-b", LeaseDuration), default)).Should().BeNull("only the reopened and the new partition are claimable");
        new[] { first.PartitionId, second.PartitionId }.Should().BeEquivalentTo(["b", "d"]);
        highest.Should().BeGreaterThan(before["b"].LeaseEpoch);
        (first.PartitionId == "b" ? first : second).Epoch.Should().BeGreaterThan(before["b"].LeaseEpoch);
        (first.PartitionId == "d" ? first : second).Epoch.Should().BeGreaterThan(highest, "a new partition starts above every epoch the run's partitions had, the removed ones included");
    }

    /// <summary>Checks <c>AmendPlanAsync</c>: partition that vanished appears again; is claimed above its old epoch.</summary>
    [Fact]
    public async Task AmendPlanAsync_PartitionThatVanishedAppearsAgain_IsClaimedAboveItsOldEpoch()
    {
        await using var store = CreateStore(Time);
        var key = Key();
        await CompletedFileRunAsync(store, key);
        var oldEpoch = (await store.GetPartitionStatesAsync(key.Value, default)).Single(s => s.PartitionId == "c").LeaseEpoch;
        var (lease, _) = await store.AcquireRunAsync(key, "worker-b", LeaseDuration, default);
        await store.AmendPlanAsync(lease, FilePlan(("a", "size=1"), ("b", "size=2")), [], default);
        await store.AmendPlanAsync(lease, FilePlan(("a", "size=1"), ("b", "size=2"), ("c", "size=30")), [], default);
        await store.SetRunStatusAsync(lease, RunStatus.Running, null, release: true, default);

        var claimed = (await store.ClaimPartitionAsync(new PartitionClaim(key.Value, "worker-b", LeaseDuration), default))!;

        claimed.PartitionId.Should().Be("c");
        claimed.Epoch.Should().BeGreaterThan(oldEpoch, "sinks fence on the highest epoch they saw for (run, partition)");
    }

    /// <summary>Checks <c>AmendPlanAsync</c>: run lease taken over; throws lease lost and changes nothing.</summary>
    [Fact]
    public async Task AmendPlanAsync_RunLeaseTakenOver_ThrowsLeaseLostAndChangesNothing()
    {
        await using var store = CreateStore(Time);
        var key = Key();
        await CompletedFileRunAsync(store, key);
        var (stale, _) = await store.AcquireRunAsync(key, "worker-b", LeaseDuration, default);
        Time.Advance(LeaseDuration + TimeSpan.FromSeconds(1));
        await store.AcquireRunAsync(key, "worker-c", LeaseDuration, default);
        var plan = await store.GetPlanAsync(key.Value, default);

        var act = async () => await store.AmendPlanAsync(stale, FilePlan(("a", "size=10")), ["a"], default);

        await act.Should().ThrowAsync<LeaseLostException>();
        (await store.GetPlanAsync(key.Value, default))!.Partitions.Should().Equal(plan!.Partitions);
        (await store.GetPartitionStatesAsync(key.Value, default)).Should().OnlyContain(s => s.Status == PartitionStatus.Completed);
        (await store.GetRunAsync(key.Value, default))!.Status.Should().Be(RunStatus.Completed);
    }

    /// <summary>Checks <c>AmendPlanAsync</c>: reopened id not in both plans; throws and changes nothing.</summary>
    [Fact]
    public async Task AmendPlanAsync_ReopenedIdNotInBothPlans_ThrowsAndChangesNothing()
    {
        await using var store = CreateStore(Time);
        var key = Key();
        await CompletedFileRunAsync(store, key);
        var (lease, _) = await store.AcquireRunAsync(key, "worker-b", LeaseDuration, default);

        var act = async () => await store.AmendPlanAsync(lease, FilePlan(("a", "size=1"), ("d", "size=4")), ["d"], default);

        (await act.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("'d'");
        (await store.GetPlanAsync(key.Value, default))!.Partitions.Select(p => p.Id).Should().Equal("a", "b", "c");
        (await store.GetRunAsync(key.Value, default))!.Status.Should().Be(RunStatus.Completed);
    }

    /// <summary>Checks <c>AmendPlanAsync</c>: run without plan; throws invalid operation.</summary>
    [Fact]
    public async Task AmendPlanAsync_RunWithoutPlan_ThrowsInvalidOperation()
    {
        await using var store = CreateStore(Time);
        var (lease, _) = await store.AcquireRunAsync(Key(), "worker-a", LeaseDuration, default);

        var act = async () => await store.AmendPlanAsync(lease, FilePlan(("a", "size=1")), [], default);

        (await act.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("nightly-orders");
    }
}
