namespace BatchKit;

/// <content>Reconciling a completed run whose input changed after it completed (late-arriving data).</content>
public partial interface ICheckpointStore
{
    /// <summary>
    /// Replaces the frozen plan of a run by a plan of the same definition whose inputs changed since, in one
    /// transaction: partitions of the old plan that <paramref name="plan"/> no longer holds lose their state,
    /// checkpoint and error records; partitions new in it are created <see cref="PartitionStatus.Pending"/>, unleased;
    /// the partitions named in <paramref name="reopened"/> go back to <see cref="PartitionStatus.Pending"/> (their lease
    /// ended, error cleared, checkpoint and error records deleted, attempt count kept); every other partition keeps its
    /// state; and the run's status becomes <see cref="RunStatus.Running"/> with no end time, so a crash after this call
    /// leaves a run that any later call resumes.
    /// </summary>
    /// <param name="lease">The run lease.</param>
    /// <param name="plan">The new plan, in plan order.</param>
    /// <param name="reopened">The ids of partitions of both plans whose input changed.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the change is durable.</returns>
    /// <exception cref="LeaseLostException">The run lease was lost; nothing was changed.</exception>
    /// <exception cref="InvalidOperationException">The run has no frozen plan, or a reopened id is not in both plans.</exception>
    /// <exception cref="NotSupportedException">The store does not implement this member (the default implementation).</exception>
    /// <remarks>
    /// Epochs never decrease: before the old partitions are removed, the run's partition epoch floor is raised to the
    /// highest epoch any of its partitions had, and new partitions start at that floor, so a partition that vanished and
    /// appears again is claimed above every epoch a sink saw for it. Side-effect claims are kept: an effect already
    /// confirmed for a record is not repeated when its partition is reprocessed.
    /// </remarks>
    ValueTask AmendPlanAsync(RunLease lease, PartitionPlan plan, IReadOnlyCollection<string> reopened, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"The checkpoint store {GetType().Name} cannot amend a frozen plan, so it cannot reprocess the partitions whose input changed (RunOptions.ReprocessChangedInput); use a store that can (SQLite, PostgreSQL, in-memory), or RunOptions.Reprocess.");
}
