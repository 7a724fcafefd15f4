namespace BatchKit;

/// <content>Partitions: their states, claims and leases, checkpoints and completed stages.</content>
public sealed partial class InMemoryCheckpointStore
{
    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<PartitionState>> GetPartitionStatesAsync(string runKey, CancellationToken cancellationToken) =>
        Read<IReadOnlyList<PartitionState>>(runKey, data => data is null ? [] : data.States.Values.OrderBy(s => data.PlanPositions[s.PartitionId]).ToList(), cancellationToken);

    /// <inheritdoc/>
    public ValueTask<PartitionLease?> ClaimPartitionAsync(PartitionClaim claim, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claim);
        ArgumentException.ThrowIfNullOrWhiteSpace(claim.Owner, nameof(claim));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(claim.LeaseDuration, TimeSpan.Zero, nameof(claim));
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (!_runs.TryGetValue(claim.RunKey, out var data) || data.Plan is null || data.Run.CancelRequestedAt is not null)
            {
                return ValueTask.FromResult<PartitionLease?>(null);
            }

            var now = Now();
            var plan = data.Plan.Partitions;
            var barrierOpen = plan.Take(data.Plan.Barrier).All(p => data.States[p.Id].Status == PartitionStatus.Completed);
            var gone = claim.GoneOwners.ToHashSet(StringComparer.Ordinal);
            var candidate = Enumerable.Range(0, plan.Count)
                .Where(i => i < data.Plan.Barrier || barrierOpen)
                .Select(i => (Position: i, State: data.States[plan[i].Id]))
                .Where(c => c.State.LeaseOwner is null
                    ? c.State.Status == PartitionStatus.Pending
                    : c.State.LeaseExpiresAt <= now || gone.Contains(c.State.LeaseOwner))
                .OrderBy(c => claim.WorkerCount > 0 && c.Position % claim.WorkerCount == claim.WorkerIndex ? 0 : 1)
                .ThenBy(c => c.Position)
                .Select(c => c.State)
                .FirstOrDefault();
            if (candidate is null)
            {
                return ValueTask.FromResult<PartitionLease?>(null);
            }

            var epoch = candidate.LeaseEpoch + 1;
            data.States[candidate.PartitionId] = candidate with
            {
                Status = PartitionStatus.Running,
                UpdatedAt = now,
                LeaseOwner = claim.Owner,
                LeaseEpoch = epoch,
                LeaseExpiresAt = StateStoreText.Truncate(now + claim.LeaseDuration),
            };
            return ValueTask.FromResult<PartitionLease?>(new PartitionLease(claim.RunKey, candidate.PartitionId, claim.Owner, epoch));
        }
    }

    /// <inheritdoc/>
    public ValueTask<bool> RenewPartitionLeaseAsync(PartitionLease lease, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (!_runs.TryGetValue(lease.RunKey, out var data) || !data.States.TryGetValue(lease.PartitionId, out var state) || !Holds(state, lease))
            {
                return ValueTask.FromResult(false);
            }

            data.States[lease.PartitionId] = state with { LeaseExpiresAt = StateStoreText.Truncate(Now() + leaseDuration) };
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc/>
    public ValueTask SetPartitionStateAsync(PartitionLease lease, PartitionState state, bool release, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        StateStoreText.ValidatePartition(lease, state.PartitionId);
        return Write(lease, (data, current) =>
        {
            data.States[lease.PartitionId] = current with
            {
                Status = state.Status,
                Attempts = state.Attempts,
                LastError = state.LastError,
                UpdatedAt = StateStoreText.Truncate(state.UpdatedAt),
                LeaseOwner = release ? null : current.LeaseOwner,
                LeaseExpiresAt = release ? null : current.LeaseExpiresAt,
            };
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask ReopenPartitionAsync(RunLease lease, string partitionId, bool clearCheckpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(partitionId);
        return Write(lease, data =>
        {
            if (!data.States.TryGetValue(partitionId, out var current))
            {
                throw StateStoreText.UnknownPartition(data.Run.JobName, data.Run.Parameters, partitionId);
            }

            data.States[partitionId] = current with { Status = PartitionStatus.Pending, LastError = null, UpdatedAt = Now(), LeaseOwner = null, LeaseExpiresAt = null };
            if (clearCheckpoint)
            {
                data.Checkpoints.Remove(partitionId);
            }
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<Checkpoint?> GetCheckpointAsync(string runKey, string partitionId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(partitionId);
        return Read(runKey, data => data is not null && data.Checkpoints.TryGetValue(partitionId, out var c) ? c : null, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask CommitChunkAsync(PartitionLease lease, Checkpoint checkpoint, IReadOnlyList<ErrorRecord> errors, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(lease);
        StateStoreText.ValidatePartition(lease, checkpoint.PartitionId);
        StateStoreText.ValidateErrors(lease, errors);
        return Write(lease, (data, _) =>
        {
            data.Checkpoints[checkpoint.PartitionId] = checkpoint with { UpdatedAt = StateStoreText.Truncate(checkpoint.UpdatedAt) };
            foreach (var error in errors)
            {
                data.Errors.TryAdd((error.PartitionId, error.Step, error.Offset), error with { OccurredAt = StateStoreText.Truncate(error.OccurredAt) });
            }
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask ClearCheckpointAsync(PartitionLease lease, CancellationToken cancellationToken) =>
        Write(lease, (data, _) => data.Checkpoints.Remove(lease.PartitionId), cancellationToken);

    /// <inheritdoc/>
    public ValueTask<bool> IsStageCompletedAsync(string runKey, string stage, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stage);
        return Read(runKey, data => data is not null && data.Stages.Contains(stage), cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask CompleteStageAsync(RunLease lease, string stage, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(stage);
        return Write(lease, data => data.Stages.Add(stage), cancellationToken);
    }
}
