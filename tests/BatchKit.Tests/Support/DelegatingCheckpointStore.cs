namespace BatchKit.Tests.Support;

/// <summary>Passes every call to an inner store; tests override the calls they want to slow down or break.</summary>
public class DelegatingCheckpointStore(ICheckpointStore inner) : ICheckpointStore
{
    public ICheckpointStore Inner => inner;

    public virtual ValueTask<(RunLease Lease, RunRecord Run)> AcquireRunAsync(RunKey runKey, string owner, TimeSpan leaseDuration, CancellationToken cancellationToken) =>
        inner.AcquireRunAsync(runKey, owner, leaseDuration, cancellationToken);

    public virtual ValueTask<(RunLease Lease, RunRecord Run)> TakeOverRunAsync(RunKey runKey, string owner, string goneOwner, TimeSpan leaseDuration, CancellationToken cancellationToken) =>
        inner.TakeOverRunAsync(runKey, owner, goneOwner, leaseDuration, cancellationToken);

    public virtual ValueTask<bool> RenewLeaseAsync(RunLease lease, TimeSpan leaseDuration, CancellationToken cancellationToken) =>
        inner.RenewLeaseAsync(lease, leaseDuration, cancellationToken);

    public virtual ValueTask CountRunAttemptAsync(RunLease lease, CancellationToken cancellationToken) => inner.CountRunAttemptAsync(lease, cancellationToken);

    public virtual ValueTask SetRunStatusAsync(RunLease lease, RunStatus status, string? error, bool release, CancellationToken cancellationToken) =>
        inner.SetRunStatusAsync(lease, status, error, release, cancellationToken);

    public virtual ValueTask<RunRecord?> GetRunAsync(string runKey, CancellationToken cancellationToken) => inner.GetRunAsync(runKey, cancellationToken);

    public virtual ValueTask<IReadOnlyList<RunRecord>> ListRunsAsync(string? jobName, int limit, CancellationToken cancellationToken) =>
        inner.ListRunsAsync(jobName, limit, cancellationToken);

    public virtual ValueTask ResetRunAsync(RunLease lease, CancellationToken cancellationToken) => inner.ResetRunAsync(lease, cancellationToken);

    public virtual ValueTask<PartitionPlan?> GetPlanAsync(string runKey, CancellationToken cancellationToken) => inner.GetPlanAsync(runKey, cancellationToken);

    public virtual ValueTask SavePlanAsync(RunLease lease, PartitionPlan plan, CancellationToken cancellationToken) => inner.SavePlanAsync(lease, plan, cancellationToken);

    public virtual ValueTask<IReadOnlyList<PartitionState>> GetPartitionStatesAsync(string runKey, CancellationToken cancellationToken) =>
        inner.GetPartitionStatesAsync(runKey, cancellationToken);

    public virtual ValueTask<PartitionLease?> ClaimPartitionAsync(PartitionClaim claim, CancellationToken cancellationToken) =>
        inner.ClaimPartitionAsync(claim, cancellationToken);

    public virtual ValueTask<bool> RenewPartitionLeaseAsync(PartitionLease lease, TimeSpan leaseDuration, CancellationToken cancellationToken) =>
        inner.RenewPartitionLeaseAsync(lease, leaseDuration, cancellationToken);

    public virtual ValueTask SetPartitionStateAsync(PartitionLease lease, PartitionState state, bool release, CancellationToken cancellationToken) =>
        inner.SetPartitionStateAsync(lease, state, release, cancellationToken);

    public virtual ValueTask AmendPlanAsync(RunLease lease, PartitionPlan plan, IReadOnlyCollection<string> reopened, CancellationToken cancellationToken) =>
        inner.AmendPlanAsync(lease, plan, reopened, cancellationToken);

    public virtual ValueTask ReopenPartitionAsync(RunLease lease, string partitionId, bool clearCheckpoint, CancellationToken cancellationToken) =>
        inner.ReopenPartitionAsync(lease, partitionId, clearCheckpoint, cancellationToken);

    public virtual ValueTask<Checkpoint?> GetCheckpointAsync(string runKey, string partitionId, CancellationToken cancellationToken) =>
        inner.GetCheckpointAsync(runKey, partitionId, cancellationToken);

    public virtual ValueTask CommitChunkAsync(PartitionLease lease, Checkpoint checkpoint, IReadOnlyList<ErrorRecord> errors, CancellationToken cancellationToken) =>
        inner.CommitChunkAsync(lease, checkpoint, errors, cancellationToken);

    public virtual ValueTask ClearCheckpointAsync(PartitionLease lease, CancellationToken cancellationToken) =>
        inner.ClearCheckpointAsync(lease, cancellationToken);

    public virtual ValueTask<bool> IsStageCompletedAsync(string runKey, string stage, CancellationToken cancellationToken) =>
        inner.IsStageCompletedAsync(runKey, stage, cancellationToken);

    public virtual ValueTask CompleteStageAsync(RunLease lease, string stage, CancellationToken cancellationToken) => inner.CompleteStageAsync(lease, stage, cancellationToken);

    public virtual ValueTask<IReadOnlyList<ErrorRecord>> QueryErrorsAsync(ErrorQuery query, CancellationToken cancellationToken) => inner.QueryErrorsAsync(query, cancellationToken);

    public virtual ValueTask<ClaimOutcome> ClaimEffectAsync(PartitionLease lease, string key, CancellationToken cancellationToken) =>
        inner.ClaimEffectAsync(lease, key, cancellationToken);

    public virtual ValueTask ConfirmEffectAsync(PartitionLease lease, string key, CancellationToken cancellationToken) => inner.ConfirmEffectAsync(lease, key, cancellationToken);

    public virtual ValueTask<IReadOnlyList<InDoubtEffect>> ListInDoubtEffectsAsync(string runKey, CancellationToken cancellationToken) =>
        inner.ListInDoubtEffectsAsync(runKey, cancellationToken);

    public virtual ValueTask ResolveInDoubtEffectAsync(string runKey, string key, bool happened, CancellationToken cancellationToken) =>
        inner.ResolveInDoubtEffectAsync(runKey, key, happened, cancellationToken);

    public virtual ValueTask<IReadOnlyList<string>> DeleteRunsEndedBeforeAsync(DateTimeOffset endedBefore, CancellationToken cancellationToken) =>
        inner.DeleteRunsEndedBeforeAsync(endedBefore, cancellationToken);

    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return inner.DisposeAsync();
    }
}
