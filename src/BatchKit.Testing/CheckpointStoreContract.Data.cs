using BatchKit;

namespace BatchKit.Testing;

/// <summary>Checkpoints, error records, stages, effects, reset and cleanup.</summary>
public abstract partial class CheckpointStoreContract
{
    /// <summary>Checks <c>CommitChunkAsync</c>: two chunks; keeps last checkpoint.</summary>
    [Fact]
    public async Task CommitChunkAsync_TwoChunks_KeepsLastCheckpoint()
    {
        await using var store = CreateStore(Time);
        var (lease, _) = await store.AcquireRunAsync(Key(), "w", LeaseDuration, default);
        await store.SavePlanAsync(lease, Plan(), default);
        await store.CommitChunkAsync(await PartitionLeaseAsync(store, lease, "hash-0001"), Checkpoint("hash-0001", 1000, 990, 10), [], default);
        var second = Checkpoint("hash-0001", 2000, 1985, 15);

        await store.CommitChunkAsync(await PartitionLeaseAsync(store, lease, "hash-0001"), second, [], default);

        (await store.GetCheckpointAsync(Key().Value, "hash-0001", default)).Should().Be(second);
        (await store.GetCheckpointAsync(Key().Value, "hash-0000", default)).Should().BeNull();
    }

    /// <summary>Checks <c>CommitChunkAsync</c>: replayed chunk with same errors; keeps each error once.</summary>
    [Fact]
    public async Task CommitChunkAsync_ReplayedChunkWithSameErrors_KeepsEachErrorOnce()
    {
        await using var store = CreateStore(Time);
        var key = Key();
        var (lease, _) = await store.AcquireRunAsync(key, "w", LeaseDuration, default);
        await store.SavePlanAsync(lease, Plan(), default);
        ErrorRecord[] errors = [Error(key, "hash-0000", 3), Error(key, "hash-0000", 7), Error(key, "hash-0000", 7, "parse failed", ErrorRecord.SourceStepName)];

        await store.CommitChunkAsync(await PartitionLeaseAsync(store, lease, "hash-0000"), Checkpoint("hash-0000", 10), errors, default);
        await store.CommitChunkAsync(await PartitionLeaseAsync(store, lease, "hash-0000"), Checkpoint("hash-0000", 10), [Error(key, "hash-0000", 7, "replayed reason"), Error(key, "hash-0000", 3)], default);

        var stored = await store.QueryErrorsAsync(new ErrorQuery(key.Value), default);
        stored.Should().HaveCount(3);
        stored.Select(e => (e.Offset, e.Step)).Should().Equal((3L, "validate"), (7L, "source"), (7L, "validate"));
        stored.Should().NotContain(e => e.Reason == "replayed reason");
        stored[0].Should().Be(errors[0]);
    }

    /// <summary>Checks <c>CommitChunkAsync</c>: error of another run; throws argument exception.</summary>
    [Fact]
    public async Task CommitChunkAsync_ErrorOfAnotherRun_ThrowsArgumentException()
    {
        await using var store = CreateStore(Time);
        var (lease, _) = await store.AcquireRunAsync(Key(), "w", LeaseDuration, default);
        await store.SavePlanAsync(lease, Plan(), default);

        var act = async () => await store.CommitChunkAsync(await PartitionLeaseAsync(store, lease, "hash-0000"), Checkpoint("hash-0000", 1), [Error(Key("2030-01-01"), "hash-0000", 0)], default);

        await act.Should().ThrowAsync<ArgumentException>();
        (await store.GetCheckpointAsync(Key().Value, "hash-0000", default)).Should().BeNull();
    }

    /// <summary>Checks <c>CommitChunkAsync</c>: many partitions in parallel; keeps every partitions last checkpoint.</summary>
    [Fact]
    public async Task CommitChunkAsync_ManyPartitionsInParallel_KeepsEveryPartitionsLastCheckpoint()
    {
        await using var store = CreateStore(Time);
        var key = Key();
        var (lease, _) = await store.AcquireRunAsync(key, "w", LeaseDuration, default);
        await store.SavePlanAsync(lease, Plan(8), default);

        await Parallel.ForEachAsync(Enumerable.Range(0, 8), async (p, ct) =>
        {
            for (var chunk = 1; chunk <= 40; chunk++)
            {
                await store.CommitChunkAsync(await PartitionLeaseAsync(store, lease, $"hash-{p:D4}"), Checkpoint($"hash-{p:D4}", chunk * 100), [Error(key, $"hash-{p:D4}", chunk)], ct);
            }
        });

        for (var p = 0; p < 8; p++)
        {
            (await store.GetCheckpointAsync(key.Value, $"hash-{p:D4}", default))!.RecordsRead.Should().Be(4000);
        }

        (await store.QueryErrorsAsync(new ErrorQuery(key.Value, Limit: 10_000), default)).Should().HaveCount(320);
    }

    /// <summary>Checks <c>QueryErrorsAsync</c>: by partition and reason; filters and orders by plan then offset.</summary>
    [Fact]
    public async Task QueryErrorsAsync_ByPartitionAndReason_FiltersAndOrdersByPlanThenOffset()
    {
        await using var store = CreateStore(Time);
        var key = Key();
        var (lease, _) = await store.AcquireRunAsync(key, "w", LeaseDuration, default);
        await store.SavePlanAsync(lease, new PartitionPlan("fp", [new Partition(0, "p-b", "x"), new Partition(1, "p-a", "y")]), default);
        await store.CommitChunkAsync(await PartitionLeaseAsync(store, lease, "p-a"), Checkpoint("p-a", 100), [Error(key, "p-a", 50, "amount is negative"), Error(key, "p-a", 5, "missing customer id")], default);
        await store.CommitChunkAsync(await PartitionLeaseAsync(store, lease, "p-b"), Checkpoint("p-b", 100), [Error(key, "p-b", 80, "amount is negative"), Error(key, "p-b", 20, "amount is negative")], default);

        var all = await store.QueryErrorsAsync(new ErrorQuery(key.Value), default);
        var partitionA = await store.QueryErrorsAsync(new ErrorQuery(key.Value, PartitionId: "p-a"), default);
        var negative = await store.QueryErrorsAsync(new ErrorQuery(key.Value, Reason: "negative"), default);
        var both = await store.QueryErrorsAsync(new ErrorQuery(key.Value, "p-a", "negative"), default);
        var limited = await store.QueryErrorsAsync(new ErrorQuery(key.Value, Limit: 2), default);
        var caseMismatch = await store.QueryErrorsAsync(new ErrorQuery(key.Value, Reason: "NEGATIVE"), default);

        all.Select(e => $"{e.PartitionId}@{e.Offset}").Should().Equal("p-b@20", "p-b@80", "p-a@5", "p-a@50");
        partitionA.Select(e => e.Offset).Should().Equal(5, 50);
        negative.Select(e => $"{e.PartitionId}@{e.Offset}").Should().Equal("p-b@20", "p-b@80", "p-a@50");
        both.Should().ContainSingle().Which.Offset.Should().Be(50);
        limited.Select(e => e.Offset).Should().Equal(20, 80);
        caseMismatch.Should().BeEmpty();
        all[2].Should().Be(new ErrorRecord(key.Value, "p-a", "validate", 5, "row-5", "missing customer id", "System.FormatException", "bad", new DateTimeOffset(2025, 3, 1, 8, 0, 1, TimeSpan.Zero)));
    }

    /// <summary>Checks <c>ClearCheckpointAsync</c>: existing checkpoint; removes only that partition.</summary>
    [Fact]
    public async Task ClearCheckpointAsync_ExistingCheckpoint_RemovesOnlyThatPartition()
    {
        await using var store = CreateStore(Time);
        var (lease, _) = await store.AcquireRunAsync(Key(), "w", LeaseDuration, default);
        await store.SavePlanAsync(lease, Plan(), default);
        await store.CommitChunkAsync(await PartitionLeaseAsync(store, lease, "hash-0000"), Checkpoint("hash-0000", 10), [], default);
        await store.CommitChunkAsync(await PartitionLeaseAsync(store, lease, "hash-0001"), Checkpoint("hash-0001", 10), [], default);

        await store.ClearCheckpointAsync(await PartitionLeaseAsync(store, lease, "hash-0000"), default);

        (await store.GetCheckpointAsync(Key().Value, "hash-0000", default)).Should().BeNull();
        (await store.GetCheckpointAsync(Key().Value, "hash-0001", default)).Should().NotBeNull();
    }

    /// <summary>Checks <c>CompleteStageAsync</c>: twice; marks stage completed for that run only.</summary>
    [Fact]
    public async Task CompleteStageAsync_Twice_MarksStageCompletedForThatRunOnly()
    {
        await using var store = CreateStore(Time);
        var (lease, _) = await store.AcquireRunAsync(Key(), "w", LeaseDuration, default);
        await store.AcquireRunAsync(Key("2025-03-02"), "w", LeaseDuration, default);

        await store.CompleteStageAsync(lease, "extract", default);
        await store.CompleteStageAsync(lease, "extract", default);

        (await store.IsStageCompletedAsync(Key().Value, "extract", default)).Should().BeTrue();
        (await store.IsStageCompletedAsync(Key().Value, "load", default)).Should().BeFalse();
        (await store.IsStageCompletedAsync(Key("2025-03-02").Value, "extract", default)).Should().BeFalse();
    }

    /// <summary>Checks <c>ResetRunAsync</c>: run with state; deletes everything but the run.</summary>
    [Fact]
    public async Task ResetRunAsync_RunWithState_DeletesEverythingButTheRun()
    {
        await using var store = CreateStore(Time);
        var key = Key();
        var (lease, _) = await store.AcquireRunAsync(key, "w", LeaseDuration, default);
        await store.SavePlanAsync(lease, Plan(), default);
        await store.CommitChunkAsync(await PartitionLeaseAsync(store, lease, "hash-0000"), Checkpoint("hash-0000", 10), [Error(key, "hash-0000", 1)], default);
        await store.CompleteStageAsync(lease, "extract", default);
        await store.ClaimEffectAsync(await PartitionLeaseAsync(store, lease, "hash-0000"), "mail-1", default);
        await store.SetRunStatusAsync(lease, RunStatus.Completed, null, release: false, default);

        await store.ResetRunAsync(lease, default);

        (await store.GetRunAsync(key.Value, default))!.Status.Should().Be(RunStatus.Completed);
        (await store.GetPlanAsync(key.Value, default)).Should().BeNull();
        (await store.GetPartitionStatesAsync(key.Value, default)).Should().BeEmpty();
        (await store.GetCheckpointAsync(key.Value, "hash-0000", default)).Should().BeNull();
        (await store.IsStageCompletedAsync(key.Value, "extract", default)).Should().BeFalse();
        (await store.QueryErrorsAsync(new ErrorQuery(key.Value), default)).Should().BeEmpty();
        (await store.ListInDoubtEffectsAsync(key.Value, default)).Should().BeEmpty();
        await store.SavePlanAsync(lease, Plan(2), default);
        (await store.GetPartitionStatesAsync(key.Value, default)).Should().HaveCount(2);
    }

    /// <summary>Checks <c>ClaimEffectAsync</c>: lifecycle; claims confirms and reports doubt.</summary>
    [Fact]
    public async Task ClaimEffectAsync_Lifecycle_ClaimsConfirmsAndReportsDoubt()
    {
        await using var store = CreateStore(Time);
        var key = Key();
        var (lease, _) = await store.AcquireRunAsync(key, "w", LeaseDuration, default);
        await store.SavePlanAsync(lease, Plan(), default);

        var first = await store.ClaimEffectAsync(await PartitionLeaseAsync(store, lease, "hash-0000"), "mail-1", default);
        await store.ConfirmEffectAsync(await PartitionLeaseAsync(store, lease, "hash-0000"), "mail-1", default);
        var afterConfirm = await store.ClaimEffectAsync(await PartitionLeaseAsync(store, lease, "hash-0000"), "mail-1", default);
        await store.ClaimEffectAsync(await PartitionLeaseAsync(store, lease, "hash-0001"), "mail-2", default);
        var again = await store.ClaimEffectAsync(await PartitionLeaseAsync(store, lease, "hash-0001"), "mail-2", default);

        first.Should().Be(ClaimOutcome.Claimed);
        afterConfirm.Should().Be(ClaimOutcome.AlreadyConfirmed);
        again.Should().Be(ClaimOutcome.InDoubt);
        (await store.ListInDoubtEffectsAsync(key.Value, default)).Should().Equal(new InDoubtEffect(key.Value, "mail-2", "hash-0001", Time.GetUtcNow()));
    }

    /// <summary>Checks <c>ResolveInDoubtEffectAsync</c>: happened; marks confirmed.</summary>
    [Fact]
    public async Task ResolveInDoubtEffectAsync_Happened_MarksConfirmed()
    {
        await using var store = CreateStore(Time);
        var (lease, _) = await store.AcquireRunAsync(Key(), "w", LeaseDuration, default);
        await store.SavePlanAsync(lease, Plan(), default);
        await store.ClaimEffectAsync(await PartitionLeaseAsync(store, lease, "hash-0000"), "mail-1", default);

        await store.ResolveInDoubtEffectAsync(Key().Value, "mail-1", happened: true, default);

        (await store.ListInDoubtEffectsAsync(Key().Value, default)).Should().BeEmpty();
        (await store.ClaimEffectAsync(await PartitionLeaseAsync(store, lease, "hash-0000"), "mail-1", default)).Should().Be(ClaimOutcome.AlreadyConfirmed);
    }

    /// <summary>Checks <c>ResolveInDoubtEffectAsync</c>: not happened; forgets claim so it runs again.</summary>
    [Fact]
    public async Task ResolveInDoubtEffectAsync_NotHappened_ForgetsClaimSoItRunsAgain()
    {
        await using var store = CreateStore(Time);
        var (lease, _) = await store.AcquireRunAsync(Key(), "w", LeaseDuration, default);
        await store.SavePlanAsync(lease, Plan(), default);
        await store.ClaimEffectAsync(await PartitionLeaseAsync(store, lease, "hash-0000"), "mail-1", default);

        await store.ResolveInDoubtEffectAsync(Key().Value, "mail-1", happened: false, default);

        (await store.ListInDoubtEffectsAsync(Key().Value, default)).Should().BeEmpty();
        (await store.ClaimEffectAsync(await PartitionLeaseAsync(store, lease, "hash-0000"), "mail-1", default)).Should().Be(ClaimOutcome.Claimed);
    }

    /// <summary>Checks <c>ResolveInDoubtEffectAsync</c>: confirmed or unknown key; throws invalid operation.</summary>
    [Fact]
    public async Task ResolveInDoubtEffectAsync_ConfirmedOrUnknownKey_ThrowsInvalidOperation()
    {
        await using var store = CreateStore(Time);
        var (lease, _) = await store.AcquireRunAsync(Key(), "w", LeaseDuration, default);
        await store.SavePlanAsync(lease, Plan(), default);
        await store.ClaimEffectAsync(await PartitionLeaseAsync(store, lease, "hash-0000"), "mail-1", default);
        await store.ConfirmEffectAsync(await PartitionLeaseAsync(store, lease, "hash-0000"), "mail-1", default);

        var forgetConfirmed = async () => await store.ResolveInDoubtEffectAsync(Key().Value, "mail-1", happened: false, default);
        var unknown = async () => await store.ResolveInDoubtEffectAsync(Key().Value, "mail-9", happened: true, default);
        var confirmUnknown = async () => await store.ConfirmEffectAsync(await PartitionLeaseAsync(store, lease, "hash-0000"), "mail-9", default);

        (await forgetConfirmed.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("mail-1");
        (await unknown.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("mail-9");
        await confirmUnknown.Should().ThrowAsync<InvalidOperationException>();
        (await store.ClaimEffectAsync(await PartitionLeaseAsync(store, lease, "hash-0000"), "mail-1", default)).Should().Be(ClaimOutcome.AlreadyConfirmed);
    }

    /// <summary>Checks <c>DeleteRunsEndedBeforeAsync</c>: old and recent runs; deletes only old ended runs and all their state.</summary>
    [Fact]
    public async Task DeleteRunsEndedBeforeAsync_OldAndRecentRuns_DeletesOnlyOldEndedRunsAndAllTheirState()
    {
        await using var store = CreateStore(Time);
        var old = Key("2025-01-01");
        var (oldLease, _) = await store.AcquireRunAsync(old, "w", LeaseDuration, default);
        await store.SavePlanAsync(oldLease, Plan(), default);
        await store.CommitChunkAsync(await PartitionLeaseAsync(store, oldLease, "hash-0000"), Checkpoint("hash-0000", 10), [Error(old, "hash-0000", 1)], default);
        await store.CompleteStageAsync(oldLease, "extract", default);
        await store.ClaimEffectAsync(await PartitionLeaseAsync(store, oldLease, "hash-0000"), "mail-1", default);
        await store.SetRunStatusAsync(oldLease, RunStatus.Completed, null, release: true, default);
        var running = Key("2025-01-02");
        await store.AcquireRunAsync(running, "w", LeaseDuration, default);
        Time.Advance(TimeSpan.FromDays(10));
        var recent = Key("2025-01-11");
        var (recentLease, _) = await store.AcquireRunAsync(recent, "w", LeaseDuration, default);
        await store.SetRunStatusAsync(recentLease, RunStatus.Failed, "boom", release: true, default);

        var deleted = await store.DeleteRunsEndedBeforeAsync(Time.GetUtcNow().AddDays(-1), default);

        deleted.Should().Equal(old.Value);
        (await store.GetRunAsync(old.Value, default)).Should().BeNull();
        (await store.GetPlanAsync(old.Value, default)).Should().BeNull();
        (await store.GetPartitionStatesAsync(old.Value, default)).Should().BeEmpty();
        (await store.GetCheckpointAsync(old.Value, "hash-0000", default)).Should().BeNull();
        (await store.IsStageCompletedAsync(old.Value, "extract", default)).Should().BeFalse();
        (await store.QueryErrorsAsync(new ErrorQuery(old.Value), default)).Should().BeEmpty();
        (await store.ListInDoubtEffectsAsync(old.Value, default)).Should().BeEmpty();
        (await store.GetRunAsync(running.Value, default)).Should().NotBeNull();
        (await store.GetRunAsync(recent.Value, default)).Should().NotBeNull();
        (await store.ListRunsAsync(null, 10, default)).Should().HaveCount(2);
    }
}
