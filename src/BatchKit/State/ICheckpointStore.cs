namespace BatchKit;

/// <summary>
/// Stores runs, leases, partition plans and states, checkpoints, error records and idempotency keys. Every write
/// made on behalf of a run carries its <see cref="RunLease"/> and fails with <see cref="LeaseLostException"/> when
/// the lease has been taken over (fencing).
/// </summary>
/// <remarks>Implementations are thread-safe.</remarks>
public partial interface ICheckpointStore : IAsyncDisposable
{
    /// <summary>Creates the run if it is new and takes its lease if it is free or expired.</summary>
    /// <param name="runKey">The run.</param>
    /// <param name="owner">The identity of the caller.</param>
    /// <param name="leaseDuration">How long the lease lasts without renewal.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The lease and the run as it was before this call.</returns>
    /// <exception cref="RunLeaseConflictException">Another live owner holds the lease.</exception>
    ValueTask<(RunLease Lease, RunRecord Run)> AcquireRunAsync(RunKey runKey, string owner, TimeSpan leaseDuration, CancellationToken cancellationToken);

    /// <summary>
    /// Takes the lease of a run from an owner known to be gone (its process no longer runs) without waiting for the
    /// lease to expire. Like <see cref="AcquireRunAsync"/> it bumps the lease epoch, so anything the gone owner might
    /// still write is refused; it takes the lease only while <paramref name="goneOwner"/> still holds it (or the lease
    /// is free or expired), checked in the same transaction.
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

    /// <summary>Extends a lease.</summary>
    /// <param name="lease">The lease.</param>
    /// <param name="leaseDuration">How long the lease lasts from now.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns><see langword="false"/> when the lease was lost.</returns>
    ValueTask<bool> RenewLeaseAsync(RunLease lease, TimeSpan leaseDuration, CancellationToken cancellationToken);

    /// <summary>Records the run's status (and ends the lease when the status is final for this attempt).</summary>
    /// <param name="lease">The lease.</param>
    /// <param name="status">The new status.</param>
    /// <param name="error">The error, for failed, cancelled or timed-out runs.</param>
    /// <param name="release">Whether to release the lease.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the status is durable.</returns>
    ValueTask SetRunStatusAsync(RunLease lease, RunStatus status, string? error, bool release, CancellationToken cancellationToken);

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

    /// <summary>Deletes a run's plan, partition states, checkpoints, stages and error records, so it can be processed again.</summary>
    /// <param name="lease">The lease.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the reset is durable.</returns>
    ValueTask ResetRunAsync(RunLease lease, CancellationToken cancellationToken);

    /// <summary>Gets the frozen partition plan of a run.</summary>
    /// <param name="runKey">The RunKey hash.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The plan, or <see langword="null"/> if none was saved.</returns>
    ValueTask<PartitionPlan?> GetPlanAsync(string runKey, CancellationToken cancellationToken);

    /// <summary>Freezes a run's partition plan and creates its partitions in <see cref="PartitionStatus.Pending"/>.</summary>
    /// <param name="lease">The lease.</param>
    /// <param name="plan">The plan.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the plan is durable.</returns>
    /// <exception cref="InvalidOperationException">A plan was already saved for the run.</exception>
    ValueTask SavePlanAsync(RunLease lease, PartitionPlan plan, CancellationToken cancellationToken);

    /// <summary>Gets the states of a run's partitions.</summary>
    /// <param name="runKey">The RunKey hash.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The states, in plan order.</returns>
    ValueTask<IReadOnlyList<PartitionState>> GetPartitionStatesAsync(string runKey, CancellationToken cancellationToken);

    /// <summary>Records a partition's state.</summary>
    /// <param name="lease">The lease.</param>
    /// <param name="state">The state.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the state is durable.</returns>
    ValueTask SetPartitionStateAsync(RunLease lease, PartitionState state, CancellationToken cancellationToken);

    /// <summary>Gets a partition's last checkpoint.</summary>
    /// <param name="runKey">The RunKey hash.</param>
    /// <param name="partitionId">The partition id.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The checkpoint, or <see langword="null"/> if none was written.</returns>
    ValueTask<Checkpoint?> GetCheckpointAsync(string runKey, string partitionId, CancellationToken cancellationToken);

    /// <summary>Writes a checkpoint and the error records of the chunk it commits, in one transaction.</summary>
    /// <param name="lease">The lease.</param>
    /// <param name="checkpoint">The checkpoint.</param>
    /// <param name="errors">The chunk's error records; a record already stored (same partition, step and offset) is kept once.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the checkpoint is durable.</returns>
    ValueTask CommitChunkAsync(RunLease lease, Checkpoint checkpoint, IReadOnlyList<ErrorRecord> errors, CancellationToken cancellationToken);

    /// <summary>Deletes a partition's checkpoint, so it starts again from its first record.</summary>
    /// <param name="lease">The lease.</param>
    /// <param name="partitionId">The partition id.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the deletion is durable.</returns>
    ValueTask ClearCheckpointAsync(RunLease lease, string partitionId, CancellationToken cancellationToken);

    /// <summary>Tells whether a named stage of a run (such as a shuffle extract) has completed.</summary>
    /// <param name="runKey">The RunKey hash.</param>
    /// <param name="stage">The stage name.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns><see langword="true"/> if the stage completed.</returns>
    ValueTask<bool> IsStageCompletedAsync(string runKey, string stage, CancellationToken cancellationToken);

    /// <summary>Records that a named stage of a run completed.</summary>
    /// <param name="lease">The lease.</param>
    /// <param name="stage">The stage name.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the record is durable.</returns>
    ValueTask CompleteStageAsync(RunLease lease, string stage, CancellationToken cancellationToken);

    /// <summary>Queries error records.</summary>
    /// <param name="query">The selection.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The matching records, by partition and offset.</returns>
    ValueTask<IReadOnlyList<ErrorRecord>> QueryErrorsAsync(ErrorQuery query, CancellationToken cancellationToken);

    /// <summary>Claims an idempotency key before performing a side effect.</summary>
    /// <param name="lease">The lease.</param>
    /// <param name="partitionId">The partition performing the effect.</param>
    /// <param name="key">The idempotency key.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>Whether the effect should run, was done already, or is in doubt.</returns>
    ValueTask<ClaimOutcome> ClaimEffectAsync(RunLease lease, string partitionId, string key, CancellationToken cancellationToken);

    /// <summary>Confirms that the side effect of a claimed key happened.</summary>
    /// <param name="lease">The lease.</param>
    /// <param name="key">The idempotency key.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the confirmation is durable.</returns>
    ValueTask ConfirmEffectAsync(RunLease lease, string key, CancellationToken cancellationToken);

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

    /// <summary>Deletes every trace (run, plan, states, checkpoints, stages, error records, effects) of runs that ended before a cutoff.</summary>
    /// <param name="endedBefore">The cutoff.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The RunKey hashes of the deleted runs.</returns>
    ValueTask<IReadOnlyList<string>> DeleteRunsEndedBeforeAsync(DateTimeOffset endedBefore, CancellationToken cancellationToken);
}
