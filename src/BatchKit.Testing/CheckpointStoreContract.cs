using BatchKit;
using Microsoft.Extensions.Time.Testing;

namespace BatchKit.Testing;

/// <summary>
/// The behaviour every <see cref="ICheckpointStore"/> must have: run and partition leases with fencing epochs, plans,
/// checkpoints and error records committed together, history, notifications, cancellation and reconciliation. Derive
/// one class, implement <see cref="CreateStore"/>, and xUnit runs every case against the store.
/// </summary>
/// <remarks>
/// xUnit creates one instance per test, and each test calls <see cref="CreateStore"/> (some twice, to reopen the same
/// state): the store returned must start empty for the instance and keep its state between calls of the same instance.
/// </remarks>
public abstract partial class CheckpointStoreContract
{
    /// <summary>The lease duration every case acquires leases for: one minute.</summary>
    protected static readonly TimeSpan LeaseDuration = TimeSpan.FromMinutes(1);

    /// <summary>Gets the clock of the case, starting at 2025-03-01 08:00 UTC; cases advance it to expire leases.</summary>
    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2025, 3, 1, 8, 0, 0, TimeSpan.Zero));

    /// <summary>Creates the run key of job <paramref name="job"/> with the single identifying parameter <c>date</c>.</summary>
    /// <param name="date">The value of the <c>date</c> parameter.</param>
    /// <param name="job">The job name.</param>
    /// <returns>The run key.</returns>
    protected static RunKey Key(string date = "2025-03-01", string job = "nightly-orders") => new(job, RunParameters.Of("date", date));

    /// <summary>Creates a plan of <paramref name="count"/> hash partitions named <c>hash-0000</c>, <c>hash-0001</c>, and so on.</summary>
    /// <param name="count">The number of partitions.</param>
    /// <returns>The plan, with fingerprint <c>fp-1</c>.</returns>
    protected static PartitionPlan Plan(int count = 3) =>
        new("fp-1", Enumerable.Range(0, count).Select(i => new Partition(i, $"hash-{i:D4}", PartitionDescriptor.Hash(i, count))).ToList());

    /// <summary>Creates an error record of partition <paramref name="partition"/> at <paramref name="offset"/>.</summary>
    /// <param name="key">The run the record belongs to.</param>
    /// <param name="partition">The partition id.</param>
    /// <param name="offset">The record's offset in the partition.</param>
    /// <param name="reason">The reason.</param>
    /// <param name="step">The step that rejected the record.</param>
    /// <returns>The error record.</returns>
    protected static ErrorRecord Error(RunKey key, string partition, long offset, string reason = "amount is negative", string step = ErrorRecord.ValidationStepName) =>
        new(key.Value, partition, step, offset, $"row-{offset}", reason, "System.FormatException", "bad", new DateTimeOffset(2025, 3, 1, 8, 0, 1, TimeSpan.Zero));

    /// <summary>Creates the checkpoint of <paramref name="partition"/> after <paramref name="read"/> records (source position ten times that).</summary>
    /// <param name="partition">The partition id.</param>
    /// <param name="read">The records read.</param>
    /// <param name="written">The records written.</param>
    /// <param name="errors">The error records.</param>
    /// <returns>The checkpoint.</returns>
    protected static Checkpoint Checkpoint(string partition, long read, long written = 0, long errors = 0) =>
        new(partition, "sink", read * 10, read, written, errors, written, new DateTimeOffset(2025, 3, 1, 8, 0, 2, TimeSpan.Zero));

    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string RunKey, string PartitionId), PartitionLease> _partitionLeases = [];

    /// <summary>
    /// Gets a lease on one partition of a planned run for <paramref name="run"/>'s owner (claimed once per test and
    /// reused): the claim names the partition's plan position as the worker's share, so it is claimed first.
    /// </summary>
    /// <param name="store">The store under test.</param>
    /// <param name="run">The run lease whose owner claims the partition.</param>
    /// <param name="partitionId">The partition to claim.</param>
    /// <returns>The partition lease.</returns>
    /// <exception cref="InvalidOperationException">No plan is saved for the run.</exception>
    protected async Task<PartitionLease> PartitionLeaseAsync(ICheckpointStore store, RunLease run, string partitionId)
    {
        if (_partitionLeases.TryGetValue((run.RunKey, partitionId), out var known))
        {
            return known;
        }

        var plan = await store.GetPlanAsync(run.RunKey, default) ?? throw new InvalidOperationException("Save the plan before leasing a partition.");
        var position = plan.Partitions.Select(p => p.Id).ToList().IndexOf(partitionId);
        var lease = await store.ClaimPartitionAsync(new PartitionClaim(run.RunKey, run.Owner, LeaseDuration) { WorkerCount = plan.Partitions.Count, WorkerIndex = position }, default);
        lease.Should().NotBeNull();
        lease!.PartitionId.Should().Be(partitionId);
        _partitionLeases[(run.RunKey, partitionId)] = lease;
        return lease;
    }

    /// <summary>Creates an empty store that reads the time from <paramref name="timeProvider"/>.</summary>
    /// <param name="timeProvider">The clock the store must read the time from (for lease expiry and timestamps).</param>
    /// <returns>The store under test; the case disposes it.</returns>
    protected abstract ICheckpointStore CreateStore(TimeProvider timeProvider);

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

    /// <summary>Checks <c>GetRunAsync</c>: unknown run; returns null.</summary>
    [Fact]
    public async Task GetRunAsync_UnknownRun_ReturnsNull()
    {
        await using var store = CreateStore(Time);

        (await store.GetRunAsync("nope", default)).Should().BeNull();
        (await store.GetPlanAsync("nope", default)).Should().BeNull();
        (await store.GetPartitionStatesAsync("nope", default)).Should().BeEmpty();
        (await store.GetCheckpointAsync("nope", "p", default)).Should().BeNull();
    }

    /// <summary>Checks <c>ListRunsAsync</c>: several jobs; returns newest first filtered and limited.</summary>
    [Fact]
    public async Task ListRunsAsync_SeveralJobs_ReturnsNewestFirstFilteredAndLimited()
    {
        await using var store = CreateStore(Time);
        await store.AcquireRunAsync(Key("2025-03-01"), "w", LeaseDuration, default);
        Time.Advance(TimeSpan.FromMinutes(1));
        await store.AcquireRunAsync(Key("2025-03-02"), "w", LeaseDuration, default);
        Time.Advance(TimeSpan.FromMinutes(1));
        await store.AcquireRunAsync(Key("2025-03-01", "other-job"), "w", LeaseDuration, default);
        Time.Advance(TimeSpan.FromMinutes(1));
        await store.AcquireRunAsync(Key("2025-03-03"), "w", LeaseDuration, default);

        var all = await store.ListRunsAsync(null, 10, default);
        var orders = await store.ListRunsAsync("nightly-orders", 2, default);

        all.Select(r => r.Parameters + "/" + r.JobName).Should().Equal(
            "date=2025-03-03/nightly-orders", "date=2025-03-01/other-job", "date=2025-03-02/nightly-orders", "date=2025-03-01/nightly-orders");
        orders.Select(r => r.RunKey).Should().Equal(Key("2025-03-03").Value, Key("2025-03-02").Value);
    }

    /// <summary>Checks <c>SavePlanAsync</c>: new plan; round trips and creates pending states in order.</summary>
    [Fact]
    public async Task SavePlanAsync_NewPlan_RoundTripsAndCreatesPendingStatesInOrder()
    {
        await using var store = CreateStore(Time);
        var (lease, _) = await store.AcquireRunAsync(Key(), "w", LeaseDuration, default);
        var plan = new PartitionPlan("fp-9", [new Partition(0, "z-last-id", "rows:0:10"), new Partition(1, "a-first-id", "rows:10:20"), new Partition(2, "m", "rows:20:25")]);

        await store.SavePlanAsync(lease, plan, default);

        var saved = await store.GetPlanAsync(Key().Value, default);
        saved!.Fingerprint.Should().Be("fp-9");
        saved.Partitions.Should().Equal(plan.Partitions);
        var states = await store.GetPartitionStatesAsync(Key().Value, default);
        states.Should().Equal(
            new PartitionState("z-last-id", PartitionStatus.Pending, 0, null, Time.GetUtcNow()),
            new PartitionState("a-first-id", PartitionStatus.Pending, 0, null, Time.GetUtcNow()),
            new PartitionState("m", PartitionStatus.Pending, 0, null, Time.GetUtcNow()));
    }

    /// <summary>Checks <c>SavePlanAsync</c>: second time; throws invalid operation and keeps first plan.</summary>
    [Fact]
    public async Task SavePlanAsync_SecondTime_ThrowsInvalidOperationAndKeepsFirstPlan()
    {
        await using var store = CreateStore(Time);
        var (lease, _) = await store.AcquireRunAsync(Key(), "w", LeaseDuration, default);
        await store.SavePlanAsync(lease, Plan(3), default);

        var act = async () => await store.SavePlanAsync(lease, Plan(5), default);

        (await act.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("nightly-orders");
        (await store.GetPlanAsync(Key().Value, default))!.Partitions.Should().HaveCount(3);
        (await store.GetPartitionStatesAsync(Key().Value, default)).Should().HaveCount(3);
    }

    /// <summary>Checks <c>SavePlanAsync</c>: repeated partition id; throws argument exception.</summary>
    [Fact]
    public async Task SavePlanAsync_RepeatedPartitionId_ThrowsArgumentException()
    {
        await using var store = CreateStore(Time);
        var (lease, _) = await store.AcquireRunAsync(Key(), "w", LeaseDuration, default);

        var act = async () => await store.SavePlanAsync(lease, new PartitionPlan("fp", [new Partition(0, "p", "a"), new Partition(1, "p", "b")]), default);

        (await act.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("'p'");
        (await store.GetPlanAsync(Key().Value, default)).Should().BeNull();
    }

    /// <summary>Checks <c>SetPartitionStateAsync</c>: known partition; updates only that partition.</summary>
    [Fact]
    public async Task SetPartitionStateAsync_KnownPartition_UpdatesOnlyThatPartition()
    {
        await using var store = CreateStore(Time);
        var (lease, _) = await store.AcquireRunAsync(Key(), "w", LeaseDuration, default);
        await store.SavePlanAsync(lease, Plan(3), default);
        var failed = new PartitionState("hash-0001", PartitionStatus.Failed, 2, "disk full", Time.GetUtcNow().AddSeconds(5));

        await store.SetPartitionStateAsync(await PartitionLeaseAsync(store, lease, "hash-0001"), failed, false, default);

        var states = await store.GetPartitionStatesAsync(Key().Value, default);
        states.Select(s => s.PartitionId).Should().Equal("hash-0000", "hash-0001", "hash-0002");
        states[1].Should().Be(failed with { LeaseOwner = "w", LeaseEpoch = 1, LeaseExpiresAt = Time.GetUtcNow() + LeaseDuration });
        states[0].Status.Should().Be(PartitionStatus.Pending);
        states[2].Status.Should().Be(PartitionStatus.Pending);
    }

    /// <summary>Checks <c>ReopenPartitionAsync</c>: partition not in plan; throws invalid operation.</summary>
    [Fact]
    public async Task ReopenPartitionAsync_PartitionNotInPlan_ThrowsInvalidOperation()
    {
        await using var store = CreateStore(Time);
        var (lease, _) = await store.AcquireRunAsync(Key(), "w", LeaseDuration, default);
        await store.SavePlanAsync(lease, Plan(2), default);

        var act = async () => await store.ReopenPartitionAsync(lease, "hash-0099", clearCheckpoint: true, default);
        var unleased = async () => await store.SetPartitionStateAsync(new PartitionLease(lease.RunKey, "hash-0099", "w", 1), new PartitionState("hash-0099", PartitionStatus.Running, 1, null, Time.GetUtcNow()), false, default);

        (await act.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("hash-0099");
        (await unleased.Should().ThrowAsync<LeaseLostException>()).Which.Message.Should().Contain("hash-0099");
        (await store.GetPartitionStatesAsync(Key().Value, default)).Should().HaveCount(2);
    }
}
