namespace BatchKit;

/// <summary>
/// Stores runs, partition plans and states, partition leases, checkpoints, error records and idempotency keys: the
/// ledger that lets any number of worker processes share one run.
/// </summary>
/// <remarks>
/// <para>
/// <b>Two kinds of lease.</b> A <see cref="RunLease"/> is a short claim on the run row itself, taken with
/// <see cref="AcquireRunAsync"/>: a worker holds it only while it joins the run (freezing the plan, or verifying the
/// frozen one, and reopening partitions for a new pass) and while it finalizes the run (run-level publish, checks,
/// final status); never across a partition's work. Every write of run-wide state (<see cref="SetRunStatusAsync"/>,
/// <see cref="ResetRunAsync"/>, <see cref="SavePlanAsync"/>, <see cref="ReopenPartitionAsync"/>,
/// <see cref="CompleteStageAsync"/>) carries it. A <see cref="PartitionLease"/> is a worker's claim on one partition,
/// taken with <see cref="ClaimPartitionAsync"/> and renewed with <see cref="RenewPartitionLeaseAsync"/>; every write of
/// that partition's state (<see cref="SetPartitionStateAsync"/>, <see cref="CommitChunkAsync"/>,
/// <see cref="ClearCheckpointAsync"/>, <see cref="ClaimEffectAsync"/>, <see cref="ConfirmEffectAsync"/>) carries it.
/// </para>
/// <para>
/// <b>Fencing.</b> A write carrying a lease checks, in the same transaction as the write, that the stored owner and
/// epoch still equal the lease's, and otherwise makes no change and throws <see cref="LeaseLostException"/>. A lease
/// that expired but was not taken over is still valid: expiry only makes it claimable. Epochs only grow: the run
/// lease's at every acquisition by another owner, a partition's at every claim, also across
/// <see cref="ResetRunAsync"/>, because sinks record the highest epoch they saw per (run, partition) and refuse lower ones.
/// </para>
/// <para>
/// <b>Claims</b> are one short transaction each (SQLite: <c>BEGIN IMMEDIATE</c>; a server database:
/// <c>SELECT … FOR UPDATE SKIP LOCKED</c> on the partition rows) with no lock row shared by the run and no lock held
/// after the call returns.
/// </para>
/// <para>Implementations are thread-safe, and safe to use from many processes that share the same storage.</para>
/// </remarks>
public partial interface ICheckpointStore : IAsyncDisposable
{
    /// <summary>
    /// Creates the run if it is new (an insert that the unique RunKey decides: of two racing callers one creates it)
    /// and takes its run lease if it is free, expired or already held by <paramref name="owner"/>.
    /// </summary>
    /// <param name="runKey">The run.</param>
    /// <param name="owner">The identity of the caller.</param>
    /// <param name="leaseDuration">How long the lease lasts without renewal.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The lease and the run as it was before this call (a new run: <see cref="RunStatus.Running"/>, no attempts yet).</returns>
    /// <exception cref="RunLeaseConflictException">Another owner holds an unexpired run lease; the message names it and its expiry.</exception>
    /// <remarks>
    /// The epoch grows by one when the lease passes to another owner (including from no owner). Taking the lease does not
    /// count an attempt: a worker holds it to join, finalize or record a stop, and only a join counts (<see cref="CountRunAttemptAsync"/>).
    /// </remarks>
    ValueTask<(RunLease Lease, RunRecord Run)> AcquireRunAsync(RunKey runKey, string owner, TimeSpan leaseDuration, CancellationToken cancellationToken);

    /// <summary>
    /// Takes the run lease from an owner known to be gone (its process no longer runs) without waiting for the lease to
    /// expire. Like <see cref="AcquireRunAsync"/> it bumps the epoch; it takes the lease only while
    /// <paramref name="goneOwner"/> still holds it (or the lease is free or expired), checked in the same transaction.
    /// </summary>
    /// <param name="runKey">The run.</param>
    /// <param name="owner">The identity of the caller.</param>
    /// <param name="goneOwner">The owner whose unexpired lease may be taken over.</param>
    /// <param name="leaseDuration">How long the lease lasts without renewal.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The lease and the run as it was before this call.</returns>
    /// <exception cref="RunLeaseConflictException">An owner other than <paramref name="goneOwner"/> holds an unexpired lease.</exception>
    /// <remarks>
    /// The default implementation calls <see cref="AcquireRunAsync"/>, which takes over only an expired lease: a store
    /// that does not override it makes the caller wait for the gone owner's lease to expire.
    /// </remarks>
    ValueTask<(RunLease Lease, RunRecord Run)> TakeOverRunAsync(RunKey runKey, string owner, string goneOwner, TimeSpan leaseDuration, CancellationToken cancellationToken) =>
        AcquireRunAsync(runKey, owner, leaseDuration, cancellationToken);

    /// <summary>Extends a run lease.</summary>
    /// <param name="lease">The lease.</param>
    /// <param name="leaseDuration">How long the lease lasts from now.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns><see langword="false"/> when the lease was lost (taken over or released).</returns>
    ValueTask<bool> RenewLeaseAsync(RunLease lease, TimeSpan leaseDuration, CancellationToken cancellationToken);

    /// <summary>
    /// Adds one to the run's attempt count (<see cref="RunRecord.Attempts"/>) under its lease: a worker joined the run to
    /// process it. Finalizing a run or recording a stop takes the run lease too but is not an attempt.
    /// </summary>
    /// <param name="lease">The run lease.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the count is durable.</returns>
    /// <exception cref="LeaseLostException">The lease was lost.</exception>
    ValueTask CountRunAttemptAsync(RunLease lease, CancellationToken cancellationToken);

    /// <summary>Records the run's status, and ends the run lease when <paramref name="release"/> is set.</summary>
    /// <param name="lease">The run lease.</param>
    /// <param name="status">The new status; <see cref="RunStatus.Running"/> clears the end time, any other sets it.</param>
    /// <param name="error">The error, for failed, cancelled or timed-out runs.</param>
    /// <param name="release">Whether to release the lease (the epoch is kept: the next owner gets the next one).</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the status is durable.</returns>
    /// <exception cref="LeaseLostException">The lease was lost.</exception>
    ValueTask SetRunStatusAsync(RunLease lease, RunStatus status, string? error, bool release, CancellationToken cancellationToken);

    /// <summary>
    /// Records a request to cancel the run (<paramref name="requestedBy"/> set), or clears it (<see langword="null"/>),
    /// under the run lease. While a request is recorded (<see cref="RunRecord.CancelRequestedAt"/>),
    /// <see cref="ClaimPartitionAsync"/> claims no partition of the run, not even one whose lease expired.
    /// </summary>
    /// <param name="lease">The run lease.</param>
    /// <param name="requestedBy">Who asks for the cancellation, or <see langword="null"/> to clear a request.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the change is durable.</returns>
    /// <exception cref="LeaseLostException">The lease was lost; nothing was written.</exception>
    /// <exception cref="NotSupportedException">The store does not record cancellation requests (the default implementation).</exception>
    ValueTask SetCancelRequestAsync(RunLease lease, string? requestedBy, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"The state store {GetType().Name} does not record cancellation requests; use a store that does (in-memory, SQLite, PostgreSQL).");

    /// <summary>Gets a run.</summary>
    /// <param name="runKey">The RunKey hash.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The run, or <see langword="null"/> if unknown.</returns>
    ValueTask<RunRecord?> GetRunAsync(string runKey, CancellationToken cancellationToken);

    /// <summary>Lists runs, newest first.</summary>
    /// <param name="jobName">Only this job's runs, when set.</param>
    /// <param name="limit">The maximum number of runs.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The runs.</returns>
    ValueTask<IReadOnlyList<RunRecord>> ListRunsAsync(string? jobName, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes a run's plan, partition states and leases, checkpoints, stages, error records and effects, so it can be
    /// planned and processed again. The run row and its lease are kept, and so is the highest partition epoch: the
    /// partitions of the next plan start above it.
    /// </summary>
    /// <param name="lease">The run lease.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the reset is durable.</returns>
    /// <exception cref="LeaseLostException">The lease was lost.</exception>
    ValueTask ResetRunAsync(RunLease lease, CancellationToken cancellationToken);

    /// <summary>Gets the frozen partition plan of a run.</summary>
    /// <param name="runKey">The RunKey hash.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The plan (with its <see cref="PartitionPlan.Definition"/> and <see cref="PartitionPlan.Barrier"/>), or <see langword="null"/> if none was saved.</returns>
    ValueTask<PartitionPlan?> GetPlanAsync(string runKey, CancellationToken cancellationToken);

    /// <summary>
    /// Freezes a run's partition plan and creates its partitions in <see cref="PartitionStatus.Pending"/>, unleased.
    /// The plan is frozen once: a second save fails, whatever plan it carries, so a racing worker cannot change it.
    /// </summary>
    /// <param name="lease">The run lease.</param>
    /// <param name="plan">The plan.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the plan is durable.</returns>
    /// <exception cref="InvalidOperationException">A plan was already saved for the run.</exception>
    /// <exception cref="LeaseLostException">The lease was lost.</exception>
    ValueTask SavePlanAsync(RunLease lease, PartitionPlan plan, CancellationToken cancellationToken);

    /// <summary>Gets the states of a run's partitions, with their leases.</summary>
    /// <param name="runKey">The RunKey hash.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The states, in plan order.</returns>
    ValueTask<IReadOnlyList<PartitionState>> GetPartitionStatesAsync(string runKey, CancellationToken cancellationToken);

    /// <summary>
    /// Claims one partition of a run in one short transaction, or returns <see langword="null"/> when none is claimable
    /// now (always <see langword="null"/> while the run has a cancellation request, <see cref="SetCancelRequestAsync"/>). A partition is claimable when it is <see cref="PartitionStatus.Pending"/> and unleased, or when its lease
    /// (whatever its status) has expired or belongs to one of <see cref="PartitionClaim.GoneOwners"/>; a partition at a
    /// plan position at or after <see cref="PartitionPlan.Barrier"/> is claimable only once every partition before the
    /// barrier is <see cref="PartitionStatus.Completed"/>. A <see cref="PartitionStatus.Failed"/> partition without a lease
    /// is never claimable (only <see cref="ReopenPartitionAsync"/> makes it pending again).
    /// </summary>
    /// <param name="claim">The run, the claiming owner, the lease duration and the worker's share.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The new lease, or <see langword="null"/>.</returns>
    /// <remarks>
    /// Among claimable partitions, those of the worker's share (plan position modulo <see cref="PartitionClaim.WorkerCount"/>
    /// equal to <see cref="PartitionClaim.WorkerIndex"/>) come first, then plan order. The claimed partition gets status
    /// <see cref="PartitionStatus.Running"/>, the caller as owner, an expiry of now plus the duration and the epoch
    /// stored before plus one; its attempt count, error and checkpoint are kept. Two concurrent claims never return
    /// the same partition.
    /// </remarks>
    ValueTask<PartitionLease?> ClaimPartitionAsync(PartitionClaim claim, CancellationToken cancellationToken);

    /// <summary>Extends a partition lease.</summary>
    /// <param name="lease">The lease.</param>
    /// <param name="leaseDuration">How long the lease lasts from now.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns><see langword="false"/> when the lease was lost (taken over, released, or the run reset).</returns>
    ValueTask<bool> RenewPartitionLeaseAsync(PartitionLease lease, TimeSpan leaseDuration, CancellationToken cancellationToken);

    /// <summary>
    /// Records the state of a leased partition (its status, attempts and last error), and ends the lease when
    /// <paramref name="release"/> is set: with <see cref="PartitionStatus.Completed"/> or <see cref="PartitionStatus.Failed"/>
    /// the partition is then done for this pass; with <see cref="PartitionStatus.Pending"/> it is handed back for any
    /// worker to claim.
    /// </summary>
    /// <param name="lease">The partition lease.</param>
    /// <param name="state">The state; its <see cref="PartitionState.PartitionId"/> must be the lease's, its lease properties are ignored.</param>
    /// <param name="release">Whether to end the lease (the epoch is kept).</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the state is durable.</returns>
    /// <exception cref="LeaseLostException">The lease was lost.</exception>
    ValueTask SetPartitionStateAsync(PartitionLease lease, PartitionState state, bool release, CancellationToken cancellationToken);

    /// <summary>
    /// Sends a partition back to <see cref="PartitionStatus.Pending"/> (clearing its error and ending any lease on it, so
    /// whatever its holder still writes is refused), optionally deleting its checkpoint so it starts again from its first
    /// record. Used when a new pass of the run starts: to retry failed partitions, to redo partitions whose side effects
    /// were in doubt, and to redo extract partitions whose staging files are missing.
    /// </summary>
    /// <param name="lease">The run lease.</param>
    /// <param name="partitionId">The partition id.</param>
    /// <param name="clearCheckpoint">Whether to delete the partition's checkpoint.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the change is durable.</returns>
    /// <exception cref="LeaseLostException">The run lease was lost.</exception>
    /// <exception cref="InvalidOperationException">The partition is not in the plan.</exception>
    ValueTask ReopenPartitionAsync(RunLease lease, string partitionId, bool clearCheckpoint, CancellationToken cancellationToken);

    /// <summary>Gets a partition's last checkpoint.</summary>
    /// <param name="runKey">The RunKey hash.</param>
    /// <param name="partitionId">The partition id.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The checkpoint, or <see langword="null"/> if none was written.</returns>
    ValueTask<Checkpoint?> GetCheckpointAsync(string runKey, string partitionId, CancellationToken cancellationToken);

    /// <summary>Writes a checkpoint of the leased partition and the error records of the chunk it commits, in one transaction.</summary>
    /// <param name="lease">The partition lease.</param>
    /// <param name="checkpoint">The checkpoint; its <see cref="Checkpoint.PartitionId"/> must be the lease's.</param>
    /// <param name="errors">The chunk's error records, all of the lease's run and partition; a record already stored (same partition, step and offset) is kept once.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the checkpoint is durable.</returns>
    /// <exception cref="LeaseLostException">The lease was lost; nothing was written.</exception>
    ValueTask CommitChunkAsync(PartitionLease lease, Checkpoint checkpoint, IReadOnlyList<ErrorRecord> errors, CancellationToken cancellationToken);

    /// <summary>Deletes the leased partition's checkpoint, so it starts again from its first record.</summary>
    /// <param name="lease">The partition lease.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the deletion is durable.</returns>
    /// <exception cref="LeaseLostException">The lease was lost.</exception>
    ValueTask ClearCheckpointAsync(PartitionLease lease, CancellationToken cancellationToken);

    /// <summary>Tells whether a named stage of a run has completed.</summary>
    /// <param name="runKey">The RunKey hash.</param>
    /// <param name="stage">The stage name.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns><see langword="true"/> if the stage completed.</returns>
    ValueTask<bool> IsStageCompletedAsync(string runKey, string stage, CancellationToken cancellationToken);

    /// <summary>Records that a named stage of a run completed.</summary>
    /// <param name="lease">The run lease.</param>
    /// <param name="stage">The stage name.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the record is durable.</returns>
    ValueTask CompleteStageAsync(RunLease lease, string stage, CancellationToken cancellationToken);

    /// <summary>Queries error records.</summary>
    /// <param name="query">The selection.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The matching records, by partition and offset.</returns>
    ValueTask<IReadOnlyList<ErrorRecord>> QueryErrorsAsync(ErrorQuery query, CancellationToken cancellationToken);

    /// <summary>Claims an idempotency key for the leased partition before performing a side effect.</summary>
    /// <param name="lease">The partition lease.</param>
    /// <param name="key">The idempotency key.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>Whether the effect should run, was done already, or is in doubt.</returns>
    /// <exception cref="LeaseLostException">The lease was lost; nothing was claimed.</exception>
    ValueTask<ClaimOutcome> ClaimEffectAsync(PartitionLease lease, string key, CancellationToken cancellationToken);

    /// <summary>Confirms that the side effect of a claimed key happened.</summary>
    /// <param name="lease">The partition lease.</param>
    /// <param name="key">The idempotency key.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the confirmation is durable.</returns>
    /// <exception cref="LeaseLostException">The lease was lost; the effect stays in doubt.</exception>
    ValueTask ConfirmEffectAsync(PartitionLease lease, string key, CancellationToken cancellationToken);

    /// <summary>Lists the effects of a run that were claimed and never confirmed.</summary>
    /// <param name="runKey">The RunKey hash.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The in-doubt effects.</returns>
    ValueTask<IReadOnlyList<InDoubtEffect>> ListInDoubtEffectsAsync(string runKey, CancellationToken cancellationToken);

    /// <summary>Resolves an in-doubt effect after it was checked downstream.</summary>
    /// <param name="runKey">The RunKey hash.</param>
    /// <param name="key">The idempotency key.</param>
    /// <param name="happened"><see langword="true"/> to mark it confirmed; <see langword="false"/> to forget the claim so the effect runs again.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the resolution is durable.</returns>
    ValueTask ResolveInDoubtEffectAsync(string runKey, string key, bool happened, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes every trace (run, plan, states, checkpoints, stages, error records, effects) of runs that ended before a
    /// cutoff. A run that is <see cref="RunStatus.Running"/>, whose run lease is live, or one of whose partitions holds a
    /// live lease is kept.
    /// </summary>
    /// <param name="endedBefore">The cutoff.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The RunKey hashes of the deleted runs.</returns>
    ValueTask<IReadOnlyList<string>> DeleteRunsEndedBeforeAsync(DateTimeOffset endedBefore, CancellationToken cancellationToken);
}
