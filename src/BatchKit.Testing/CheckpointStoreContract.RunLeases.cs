using BatchKit;

namespace BatchKit.Testing;

/// <summary>Run leases and fencing: acquiring, taking over, renewing and releasing a run, and every fenced write refused to a stale epoch.</summary>
public abstract partial class CheckpointStoreContract
{
    /// <summary>Checks <c>AcquireRunAsync</c>: new run; creates running run held by owner.</summary>
    [Fact]
    public async Task AcquireRunAsync_NewRun_CreatesRunningRunHeldByOwner()
    {
        await using var store = CreateStore(Time);
        var key = Key();

        var (lease, run) = await store.AcquireRunAsync(key, "worker-a", LeaseDuration, default);

        lease.Should().Be(new RunLease(key.Value, "worker-a", 1));
        run.Should().Be(new RunRecord(key.Value, "nightly-orders", "date=2025-03-01", RunStatus.Running, Time.GetUtcNow(), null, 0, null, "worker-a", 1, Time.GetUtcNow() + LeaseDuration));
        (await store.GetRunAsync(key.Value, default)).Should().Be(run);
    }

    /// <summary>Checks <c>AcquireRunAsync</c>: second owner while lease live; throws run lease conflict.</summary>
    [Fact]
    public async Task AcquireRunAsync_SecondOwnerWhileLeaseLive_ThrowsRunLeaseConflict()
    {
        await using var store = CreateStore(Time);
        await store.AcquireRunAsync(Key(), "worker-a", LeaseDuration, default);
        Time.Advance(TimeSpan.FromSeconds(59));

        var act = async () => await store.AcquireRunAsync(Key(), "worker-b", LeaseDuration, default);

        var error = (await act.Should().ThrowAsync<RunLeaseConflictException>()).Which;
        error.Message.Should().Contain("nightly-orders").And.Contain("date=2025-03-01").And.Contain("worker-a").And.Contain("2025-03-01T08:01:00.000Z");
        (await store.GetRunAsync(Key().Value, default))!.LeaseOwner.Should().Be("worker-a");
    }

    /// <summary>Checks <c>TakeOverRunAsync</c>: gone owner still holds live lease; takes over with next epoch and fences it.</summary>
    [Fact]
    public async Task TakeOverRunAsync_GoneOwnerStillHoldsLiveLease_TakesOverWithNextEpochAndFencesIt()
    {
        await using var store = CreateStore(Time);
        var key = Key();
        var (gone, _) = await store.AcquireRunAsync(key, "worker-a", LeaseDuration, default);
        await store.SavePlanAsync(gone, Plan(), default);

        var (lease, before) = await store.TakeOverRunAsync(key, "worker-b", "worker-a", LeaseDuration, default);

        lease.Should().Be(new RunLease(key.Value, "worker-b", 2));
        before.LeaseOwner.Should().Be("worker-a");
        (await store.GetRunAsync(key.Value, default))!.LeaseOwner.Should().Be("worker-b");
        var stale = () => store.SetRunStatusAsync(gone, RunStatus.Failed, "stale", release: true, default).AsTask();
        await stale.Should().ThrowAsync<LeaseLostException>();
    }

    /// <summary>Checks <c>TakeOverRunAsync</c>: another owner holds live lease; throws run lease conflict.</summary>
    [Fact]
    public async Task TakeOverRunAsync_AnotherOwnerHoldsLiveLease_ThrowsRunLeaseConflict()
    {
        await using var store = CreateStore(Time);
        var key = Key();
        await store.AcquireRunAsync(key, "worker-a", LeaseDuration, default);
        await store.TakeOverRunAsync(key, "worker-b", "worker-a", LeaseDuration, default);

        var act = () => store.TakeOverRunAsync(key, "worker-c", "worker-a", LeaseDuration, default).AsTask();

        await act.Should().ThrowAsync<RunLeaseConflictException>().WithMessage("*worker-b*");
        (await store.GetRunAsync(key.Value, default))!.LeaseEpoch.Should().Be(2);
    }

    /// <summary>Checks <c>AcquireRunAsync</c>: same owner again; keeps epoch and counts no attempt.</summary>
    [Fact]
    public async Task AcquireRunAsync_SameOwnerAgain_KeepsEpochAndCountsNoAttempt()
    {
        await using var store = CreateStore(Time);
        await store.AcquireRunAsync(Key(), "worker-a", LeaseDuration, default);

        var (lease, before) = await store.AcquireRunAsync(Key(), "worker-a", LeaseDuration, default);

        lease.Epoch.Should().Be(1);
        before.Attempts.Should().Be(0);
        (await store.GetRunAsync(Key().Value, default))!.Attempts.Should().Be(0);
    }

    /// <summary>Checks <c>CountRunAttemptAsync</c>: each join; adds one.</summary>
    [Fact]
    public async Task CountRunAttemptAsync_EachJoin_AddsOne()
    {
        await using var store = CreateStore(Time);
        var (first, _) = await store.AcquireRunAsync(Key(), "worker-a", LeaseDuration, default);
        await store.CountRunAttemptAsync(first, default);
        await store.SetRunStatusAsync(first, RunStatus.Running, null, release: true, default);
        var (second, _) = await store.AcquireRunAsync(Key(), "worker-b", LeaseDuration, default);

        await store.CountRunAttemptAsync(second, default);

        (await store.GetRunAsync(Key().Value, default))!.Attempts.Should().Be(2);
    }

    /// <summary>Checks <c>CountRunAttemptAsync</c>: lost lease; throws and counts nothing.</summary>
    [Fact]
    public async Task CountRunAttemptAsync_LostLease_ThrowsAndCountsNothing()
    {
        await using var store = CreateStore(Time);
        var (stale, _) = await store.AcquireRunAsync(Key(), "worker-a", LeaseDuration, default);
        Time.Advance(LeaseDuration);
        await store.AcquireRunAsync(Key(), "worker-b", LeaseDuration, default);

        var count = async () => await store.CountRunAttemptAsync(stale, default);

        await count.Should().ThrowAsync<LeaseLostException>();
        (await store.GetRunAsync(Key().Value, default))!.Attempts.Should().Be(0);
    }

    /// <summary>Checks <c>AcquireRunAsync</c>: expired lease; takes over with next epoch and returns previous run.</summary>
    [Fact]
    public async Task AcquireRunAsync_ExpiredLease_TakesOverWithNextEpochAndReturnsPreviousRun()
    {
        await using var store = CreateStore(Time);
        await store.AcquireRunAsync(Key(), "worker-a", LeaseDuration, default);
        Time.Advance(LeaseDuration);

        var (lease, before) = await store.AcquireRunAsync(Key(), "worker-b", LeaseDuration, default);

        lease.Should().Be(new RunLease(Key().Value, "worker-b", 2));
        before.LeaseOwner.Should().Be("worker-a");
        before.Attempts.Should().Be(0);
        var after = await store.GetRunAsync(Key().Value, default);
        after!.LeaseOwner.Should().Be("worker-b");
        after.LeaseEpoch.Should().Be(2);
        after.Attempts.Should().Be(0, "taking the lease is not an attempt; joining the run is");
        after.LeaseExpiresAt.Should().Be(Time.GetUtcNow() + LeaseDuration);
    }

    /// <summary>Checks <c>AcquireRunAsync</c>: completed run; returns completed and leaves status.</summary>
    [Fact]
    public async Task AcquireRunAsync_CompletedRun_ReturnsCompletedAndLeavesStatus()
    {
        await using var store = CreateStore(Time);
        var (lease, _) = await store.AcquireRunAsync(Key(), "worker-a", LeaseDuration, default);
        await store.SetRunStatusAsync(lease, RunStatus.Completed, null, release: true, default);

        var (second, before) = await store.AcquireRunAsync(Key(), "worker-b", LeaseDuration, default);

        before.Status.Should().Be(RunStatus.Completed);
        before.LeaseOwner.Should().BeNull();
        second.Epoch.Should().Be(2);
        (await store.GetRunAsync(Key().Value, default))!.Status.Should().Be(RunStatus.Completed);
    }

    /// <summary>Checks <c>CommitChunkAsync</c>: checkpoint with in doubt count; keeps the count.</summary>
    [Fact]
    public async Task CommitChunkAsync_CheckpointWithInDoubtCount_KeepsTheCount()
    {
        await using var store = CreateStore(Time);
        var (lease, _) = await store.AcquireRunAsync(Key(), "worker-a", LeaseDuration, default);
        await store.SavePlanAsync(lease, Plan(), default);

        await store.CommitChunkAsync(await PartitionLeaseAsync(store, lease, "hash-0000"), Checkpoint("hash-0000", 100) with { InDoubtCount = 3 }, [], default);

        (await store.GetCheckpointAsync(Key().Value, "hash-0000", default))!.InDoubtCount.Should().Be(3);
    }

    /// <summary>Checks <c>StaleLease</c>: after takeover; commit chunk throws lease lost and changes nothing.</summary>
    [Fact]
    public async Task StaleLease_AfterTakeover_CommitChunkThrowsLeaseLostAndChangesNothing()
    {
        await using var store = CreateStore(Time);
        var key = Key();
        var (old, _) = await store.AcquireRunAsync(key, "worker-a", LeaseDuration, default);
        await store.SavePlanAsync(old, Plan(), default);
        var stale = await PartitionLeaseAsync(store, old, "hash-0000");
        await store.CommitChunkAsync(stale, Checkpoint("hash-0000", 100), [], default);
        Time.Advance(LeaseDuration + TimeSpan.FromSeconds(1));
        var taken = await store.ClaimPartitionAsync(new PartitionClaim(key.Value, "worker-b", LeaseDuration), default);

        var act = async () => await store.CommitChunkAsync(stale, Checkpoint("hash-0000", 200), [Error(key, "hash-0000", 150)], default);

        var error = (await act.Should().ThrowAsync<LeaseLostException>()).Which;
        taken.Should().Be(new PartitionLease(key.Value, "hash-0000", "worker-b", 2));
        error.Message.Should().Contain("worker-a").And.Contain("worker-b").And.Contain("nightly-orders").And.Contain("hash-0000").And.Contain("epoch 2");
        error.PartitionId.Should().Be("hash-0000");
        (await store.GetCheckpointAsync(key.Value, "hash-0000", default))!.RecordsRead.Should().Be(100);
        (await store.QueryErrorsAsync(new ErrorQuery(key.Value), default)).Should().BeEmpty();
    }

    /// <summary>Checks <c>StaleLease</c>: after takeover; set partition state throws lease lost and changes nothing.</summary>
    [Fact]
    public async Task StaleLease_AfterTakeover_SetPartitionStateThrowsLeaseLostAndChangesNothing()
    {
        await using var store = CreateStore(Time);
        var (run, _) = await store.AcquireRunAsync(Key(), "worker-a", LeaseDuration, default);
        await store.SavePlanAsync(run, Plan(), default);
        var old = await PartitionLeaseAsync(store, run, "hash-0000");
        Time.Advance(LeaseDuration);
        var taken = await store.ClaimPartitionAsync(new PartitionClaim(Key().Value, "worker-b", LeaseDuration), default);

        var act = async () => await store.SetPartitionStateAsync(old, new PartitionState("hash-0000", PartitionStatus.Completed, 1, null, Time.GetUtcNow()), true, default);

        await act.Should().ThrowAsync<LeaseLostException>();
        taken!.PartitionId.Should().Be("hash-0000");
        var state = (await store.GetPartitionStatesAsync(Key().Value, default))[0];
        state.Status.Should().Be(PartitionStatus.Running);
        state.LeaseOwner.Should().Be("worker-b");
    }

    /// <summary>Checks <c>StaleLease</c>: after takeover; every fenced write throws lease lost.</summary>
    [Fact]
    public async Task StaleLease_AfterTakeover_EveryFencedWriteThrowsLeaseLost()
    {
        await using var store = CreateStore(Time);
        var (old, _) = await store.AcquireRunAsync(Key(), "worker-a", LeaseDuration, default);
        await store.SavePlanAsync(old, Plan(1), default);
        var oldPartition = await PartitionLeaseAsync(store, old, "hash-0000");
        await store.ClaimEffectAsync(oldPartition, "mail-1", default);
        await store.CommitChunkAsync(oldPartition, Checkpoint("hash-0000", 10), [], default);
        Time.Advance(LeaseDuration);
        var (current, _) = await store.AcquireRunAsync(Key(), "worker-b", LeaseDuration, default);
        var currentPartition = await store.ClaimPartitionAsync(new PartitionClaim(Key().Value, "worker-b", LeaseDuration), default);
        currentPartition.Should().Be(new PartitionLease(Key().Value, "hash-0000", "worker-b", oldPartition.Epoch + 1), "an expired partition lease is taken over with the next epoch");
        var writes = new Func<Task>[]
        {
            async () => await store.SetRunStatusAsync(old, RunStatus.Failed, "boom", release: true, default),
            async () => await store.SavePlanAsync(old, Plan(), default),
            async () => await store.ReopenPartitionAsync(old, "hash-0000", clearCheckpoint: true, default),
            async () => await store.CompleteStageAsync(old, "extract", default),
            async () => await store.ResetRunAsync(old, default),
            async () => await store.SetPartitionStateAsync(oldPartition, new PartitionState("hash-0000", PartitionStatus.Completed, 1, null, Time.GetUtcNow()), true, default),
            async () => await store.CommitChunkAsync(oldPartition, Checkpoint("hash-0000", 99), [], default),
            async () => await store.ClearCheckpointAsync(oldPartition, default),
            async () => await store.ClaimEffectAsync(oldPartition, "mail-2", default),
            async () => await store.ConfirmEffectAsync(oldPartition, "mail-1", default),
        };

        foreach (var write in writes)
        {
            await write.Should().ThrowAsync<LeaseLostException>();
        }

        var run = await store.GetRunAsync(Key().Value, default);
        run!.Status.Should().Be(RunStatus.Running);
        run.LeaseOwner.Should().Be(current.Owner);
        (await store.GetPlanAsync(Key().Value, default))!.Partitions.Should().HaveCount(1);
        (await store.IsStageCompletedAsync(Key().Value, "extract", default)).Should().BeFalse();
        (await store.ListInDoubtEffectsAsync(Key().Value, default)).Select(e => e.Key).Should().Equal("mail-1");
        (await store.GetCheckpointAsync(Key().Value, "hash-0000", default))!.RecordsRead.Should().Be(10);
        var state = (await store.GetPartitionStatesAsync(Key().Value, default)).Single();
        state.Should().Match<PartitionState>(s => s.Status == PartitionStatus.Running && s.LeaseOwner == "worker-b" && s.LeaseEpoch == currentPartition!.Epoch);
        (await store.RenewPartitionLeaseAsync(oldPartition, LeaseDuration, default)).Should().BeFalse();
    }

    /// <summary>Checks <c>RenewLeaseAsync</c>: after takeover; returns false and keeps new holder.</summary>
    [Fact]
    public async Task RenewLeaseAsync_AfterTakeover_ReturnsFalseAndKeepsNewHolder()
    {
        await using var store = CreateStore(Time);
        var (old, _) = await store.AcquireRunAsync(Key(), "worker-a", LeaseDuration, default);
        Time.Advance(LeaseDuration);
        await store.AcquireRunAsync(Key(), "worker-b", LeaseDuration, default);

        var renewed = await store.RenewLeaseAsync(old, LeaseDuration, default);

        renewed.Should().BeFalse();
        var run = await store.GetRunAsync(Key().Value, default);
        run!.LeaseOwner.Should().Be("worker-b");
        run.LeaseExpiresAt.Should().Be(Time.GetUtcNow() + LeaseDuration);
    }

    /// <summary>Checks <c>RenewLeaseAsync</c>: expired but not taken over; extends lease.</summary>
    [Fact]
    public async Task RenewLeaseAsync_ExpiredButNotTakenOver_ExtendsLease()
    {
        await using var store = CreateStore(Time);
        var (lease, _) = await store.AcquireRunAsync(Key(), "worker-a", LeaseDuration, default);
        Time.Advance(TimeSpan.FromMinutes(5));

        var renewed = await store.RenewLeaseAsync(lease, LeaseDuration, default);

        renewed.Should().BeTrue();
        (await store.GetRunAsync(Key().Value, default))!.LeaseExpiresAt.Should().Be(Time.GetUtcNow() + LeaseDuration);
        var act = async () => await store.AcquireRunAsync(Key(), "worker-b", LeaseDuration, default);
        await act.Should().ThrowAsync<RunLeaseConflictException>();
    }

    /// <summary>Checks <c>SetRunStatusAsync</c>: failed with release; ends run and frees lease.</summary>
    [Fact]
    public async Task SetRunStatusAsync_FailedWithRelease_EndsRunAndFreesLease()
    {
        await using var store = CreateStore(Time);
        var (lease, _) = await store.AcquireRunAsync(Key(), "worker-a", LeaseDuration, default);
        Time.Advance(TimeSpan.FromSeconds(30));

        await store.SetRunStatusAsync(lease, RunStatus.Failed, "partition hash-0001 failed", release: true, default);

        var run = await store.GetRunAsync(Key().Value, default);
        run!.Status.Should().Be(RunStatus.Failed);
        run.LastError.Should().Be("partition hash-0001 failed");
        run.EndedAt.Should().Be(Time.GetUtcNow());
        run.LeaseOwner.Should().BeNull();
        run.LeaseExpiresAt.Should().BeNull();
        run.LeaseEpoch.Should().Be(1);
        var write = async () => await store.CompleteStageAsync(lease, "extract", default);
        await write.Should().ThrowAsync<LeaseLostException>();
    }

    /// <summary>Checks <c>SetRunStatusAsync</c>: running after failure; clears end and error.</summary>
    [Fact]
    public async Task SetRunStatusAsync_RunningAfterFailure_ClearsEndAndError()
    {
        await using var store = CreateStore(Time);
        var (lease, _) = await store.AcquireRunAsync(Key(), "worker-a", LeaseDuration, default);
        await store.SetRunStatusAsync(lease, RunStatus.Failed, "boom", release: false, default);

        await store.SetRunStatusAsync(lease, RunStatus.Running, null, release: false, default);

        var run = await store.GetRunAsync(Key().Value, default);
        run!.Status.Should().Be(RunStatus.Running);
        run.EndedAt.Should().BeNull();
        run.LastError.Should().BeNull();
        run.LeaseOwner.Should().Be("worker-a");
    }
}
