namespace BatchKit;

/// <summary>
/// Keeps the state of runs in memory: a checkpoint store for tests and for jobs that need not survive their process.
/// </summary>
/// <remarks>
/// Instances are thread-safe. Timestamps are kept to the millisecond, like <see cref="SqliteCheckpointStore"/>, so
/// both stores return the same values.
/// </remarks>
public sealed class InMemoryCheckpointStore : ICheckpointStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, RunData> _runs = new(StringComparer.Ordinal);
    private readonly TimeProvider _timeProvider;
    private long _sequence;

    /// <summary>Initializes a new instance of the <see cref="InMemoryCheckpointStore"/> class.</summary>
    /// <param name="timeProvider">The clock for leases and timestamps; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    public InMemoryCheckpointStore(TimeProvider? timeProvider = null) => _timeProvider = timeProvider ?? TimeProvider.System;

    /// <inheritdoc/>
    public ValueTask<(RunLease Lease, RunRecord Run)> AcquireRunAsync(RunKey runKey, string owner, TimeSpan leaseDuration, CancellationToken cancellationToken) =>
        Acquire(runKey, owner, null, leaseDuration, cancellationToken);

    /// <inheritdoc/>
    public ValueTask<(RunLease Lease, RunRecord Run)> TakeOverRunAsync(RunKey runKey, string owner, string goneOwner, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(goneOwner);
        return Acquire(runKey, owner, goneOwner, leaseDuration, cancellationToken);
    }

    private ValueTask<(RunLease Lease, RunRecord Run)> Acquire(RunKey runKey, string owner, string? goneOwner, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runKey);
        ArgumentException.ThrowIfNullOrWhiteSpace(owner);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            var now = Now();
            var expires = StateStoreText.Truncate(now + leaseDuration);
            if (!_runs.TryGetValue(runKey.Value, out var data))
            {
                var created = new RunRecord(runKey.Value, runKey.JobName, runKey.Parameters.ToString(), RunStatus.Running, now, null, 1, null, owner, 1, expires);
                _runs.Add(runKey.Value, new RunData(created, ++_sequence));
                return ValueTask.FromResult((new RunLease(runKey.Value, owner, 1), created));
            }

            var before = data.Run;
            var free = before.LeaseOwner is null || before.LeaseExpiresAt <= now || string.Equals(before.LeaseOwner, owner, StringComparison.Ordinal)
                || string.Equals(before.LeaseOwner, goneOwner, StringComparison.Ordinal);
            if (!free)
            {
                throw StateStoreText.Conflict(before, owner);
            }

            var epoch = string.Equals(before.LeaseOwner, owner, StringComparison.Ordinal) ? before.LeaseEpoch : before.LeaseEpoch + 1;
            data.Run = before with { Attempts = before.Attempts + 1, LeaseOwner = owner, LeaseEpoch = epoch, LeaseExpiresAt = expires };
            return ValueTask.FromResult((new RunLease(runKey.Value, owner, epoch), before));
        }
    }

    /// <inheritdoc/>
    public ValueTask<bool> RenewLeaseAsync(RunLease lease, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (!_runs.TryGetValue(lease.RunKey, out var data) || !Holds(data.Run, lease))
            {
                return ValueTask.FromResult(false);
            }

            data.Run = data.Run with { LeaseExpiresAt = StateStoreText.Truncate(Now() + leaseDuration) };
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc/>
    public ValueTask SetRunStatusAsync(RunLease lease, RunStatus status, string? error, bool release, CancellationToken cancellationToken) =>
        Write(lease, data =>
        {
            var run = data.Run with { Status = status, LastError = error, EndedAt = status == RunStatus.Running ? null : Now() };
            data.Run = release ? run with { LeaseOwner = null, LeaseExpiresAt = null } : run;
        }, cancellationToken);

    /// <inheritdoc/>
    public ValueTask<RunRecord?> GetRunAsync(string runKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runKey);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            return ValueTask.FromResult(_runs.TryGetValue(runKey, out var data) ? data.Run : null);
        }
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<RunRecord>> ListRunsAsync(string? jobName, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            IReadOnlyList<RunRecord> runs = _runs.Values
                .Where(d => jobName is null || string.Equals(d.Run.JobName, jobName, StringComparison.Ordinal))
                .OrderByDescending(d => d.Run.StartedAt)
                .ThenByDescending(d => d.Sequence)
                .Take(limit)
                .Select(d => d.Run)
                .ToList();
            return ValueTask.FromResult(runs);
        }
    }

    /// <inheritdoc/>
    public ValueTask ResetRunAsync(RunLease lease, CancellationToken cancellationToken) =>
        Write(lease, data => data.Clear(), cancellationToken);

    /// <inheritdoc/>
    public ValueTask<PartitionPlan?> GetPlanAsync(string runKey, CancellationToken cancellationToken) =>
        Read(runKey, data => data?.Plan, cancellationToken);

    /// <inheritdoc/>
    public ValueTask SavePlanAsync(RunLease lease, PartitionPlan plan, CancellationToken cancellationToken)
    {
        StateStoreText.ValidatePlan(plan);
        return Write(lease, data =>
        {
            if (data.Plan is not null)
            {
                throw StateStoreText.PlanExists(data.Run.JobName, data.Run.Parameters);
            }

            var now = Now();
            data.Plan = new PartitionPlan(plan.Fingerprint, plan.Partitions.ToArray()) { Definition = plan.Definition };
            for (var i = 0; i < plan.Partitions.Count; i++)
            {
                data.PlanPositions.Add(plan.Partitions[i].Id, i);
                data.States.Add(plan.Partitions[i].Id, new PartitionState(plan.Partitions[i].Id, PartitionStatus.Pending, 0, null, now));
            }
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<PartitionState>> GetPartitionStatesAsync(string runKey, CancellationToken cancellationToken) =>
        Read<IReadOnlyList<PartitionState>>(runKey, data => data is null ? [] : data.States.Values.OrderBy(s => data.PlanPositions[s.PartitionId]).ToList(), cancellationToken);

    /// <inheritdoc/>
    public ValueTask SetPartitionStateAsync(RunLease lease, PartitionState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        return Write(lease, data =>
        {
            if (!data.States.ContainsKey(state.PartitionId))
            {
                throw StateStoreText.UnknownPartition(data.Run.JobName, data.Run.Parameters, state.PartitionId);
            }

            data.States[state.PartitionId] = state with { UpdatedAt = StateStoreText.Truncate(state.UpdatedAt) };
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<Checkpoint?> GetCheckpointAsync(string runKey, string partitionId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(partitionId);
        return Read(runKey, data => data is not null && data.Checkpoints.TryGetValue(partitionId, out var c) ? c : null, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask CommitChunkAsync(RunLease lease, Checkpoint checkpoint, IReadOnlyList<ErrorRecord> errors, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(lease);
        StateStoreText.ValidateErrors(lease, errors);
        return Write(lease, data =>
        {
            data.Checkpoints[checkpoint.PartitionId] = checkpoint with { UpdatedAt = StateStoreText.Truncate(checkpoint.UpdatedAt) };
            foreach (var error in errors)
            {
                data.Errors.TryAdd((error.PartitionId, error.Step, error.Offset), error with { OccurredAt = StateStoreText.Truncate(error.OccurredAt) });
            }
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask ClearCheckpointAsync(RunLease lease, string partitionId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(partitionId);
        return Write(lease, data => data.Checkpoints.Remove(partitionId), cancellationToken);
    }

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

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<ErrorRecord>> QueryErrorsAsync(ErrorQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegative(query.Limit, nameof(query));
        return Read<IReadOnlyList<ErrorRecord>>(query.RunKey, data => data is null ? [] : data.Errors.Values
            .Where(e => query.PartitionId is null || string.Equals(e.PartitionId, query.PartitionId, StringComparison.Ordinal))
            .Where(e => query.Reason is null || e.Reason.Contains(query.Reason, StringComparison.Ordinal))
            .OrderBy(e => data.PlanPositions.TryGetValue(e.PartitionId, out var position) ? position : int.MaxValue)
            .ThenBy(e => e.PartitionId, StringComparer.Ordinal)
            .ThenBy(e => e.Offset)
            .ThenBy(e => e.Step, StringComparer.Ordinal)
            .Take(query.Limit)
            .ToList(), cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<ClaimOutcome> ClaimEffectAsync(RunLease lease, string partitionId, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(partitionId);
        ArgumentException.ThrowIfNullOrEmpty(key);
        return ValueTask.FromResult(Fenced(lease, data =>
        {
            if (data.Effects.TryGetValue(key, out var effect))
            {
                return effect.ConfirmedAt is null ? ClaimOutcome.InDoubt : ClaimOutcome.AlreadyConfirmed;
            }

            data.Effects.Add(key, new Effect(partitionId, Now(), null));
            return ClaimOutcome.Claimed;
        }, cancellationToken));
    }

    /// <inheritdoc/>
    public ValueTask ConfirmEffectAsync(RunLease lease, string key, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        return Write(lease, data =>
        {
            if (!data.Effects.TryGetValue(key, out var effect))
            {
                throw StateStoreText.EffectNotClaimed(data.Run.RunKey, key);
            }

            data.Effects[key] = effect with { ConfirmedAt = effect.ConfirmedAt ?? Now() };
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<InDoubtEffect>> ListInDoubtEffectsAsync(string runKey, CancellationToken cancellationToken) =>
        Read<IReadOnlyList<InDoubtEffect>>(runKey, data => data is null ? [] : data.Effects
            .Where(e => e.Value.ConfirmedAt is null)
            .OrderBy(e => e.Value.ClaimedAt)
            .ThenBy(e => e.Key, StringComparer.Ordinal)
            .Select(e => new InDoubtEffect(runKey, e.Key, e.Value.PartitionId, e.Value.ClaimedAt))
            .ToList(), cancellationToken);

    /// <inheritdoc/>
    public ValueTask ResolveInDoubtEffectAsync(string runKey, string key, bool happened, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runKey);
        ArgumentException.ThrowIfNullOrEmpty(key);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (!_runs.TryGetValue(runKey, out var data) || !data.Effects.TryGetValue(key, out var effect))
            {
                throw StateStoreText.EffectNotClaimed(runKey, key);
            }

            if (happened)
            {
                data.Effects[key] = effect with { ConfirmedAt = effect.ConfirmedAt ?? Now() };
            }
            else if (effect.ConfirmedAt is null)
            {
                data.Effects.Remove(key);
            }
            else
            {
                throw StateStoreText.EffectConfirmed(runKey, key);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    /// <remarks>Runs whose lease is still live are kept, whatever their status.</remarks>
    public ValueTask<IReadOnlyList<string>> DeleteRunsEndedBeforeAsync(DateTimeOffset endedBefore, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            var now = Now();
            var cutoff = StateStoreText.Truncate(endedBefore);
            var keys = _runs.Values
                .Select(d => d.Run)
                .Where(r => r.EndedAt < cutoff && r.Status != RunStatus.Running && (r.LeaseOwner is null || r.LeaseExpiresAt <= now))
                .Select(r => r.RunKey)
                .Order(StringComparer.Ordinal)
                .ToList();
            foreach (var key in keys)
            {
                _runs.Remove(key);
            }

            return ValueTask.FromResult<IReadOnlyList<string>>(keys);
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static bool Holds(RunRecord run, RunLease lease) =>
        string.Equals(run.LeaseOwner, lease.Owner, StringComparison.Ordinal) && run.LeaseEpoch == lease.Epoch;

    private DateTimeOffset Now() => StateStoreText.Truncate(_timeProvider.GetUtcNow());

    private ValueTask Write(RunLease lease, Action<RunData> write, CancellationToken cancellationToken)
    {
        Fenced(lease, data =>
        {
            write(data);
            return true;
        }, cancellationToken);
        return ValueTask.CompletedTask;
    }

    private T Fenced<T>(RunLease lease, Func<RunData, T> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (!_runs.TryGetValue(lease.RunKey, out var data))
            {
                throw StateStoreText.LeaseLost(lease, null, null, null, 0);
            }

            if (!Holds(data.Run, lease))
            {
                throw StateStoreText.LeaseLost(lease, data.Run.JobName, data.Run.Parameters, data.Run.LeaseOwner, data.Run.LeaseEpoch);
            }

            return write(data);
        }
    }

    private ValueTask<T> Read<T>(string runKey, Func<RunData?, T> read, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runKey);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            return ValueTask.FromResult(read(_runs.GetValueOrDefault(runKey)));
        }
    }

    private sealed record Effect(string PartitionId, DateTimeOffset ClaimedAt, DateTimeOffset? ConfirmedAt);

    private sealed class RunData(RunRecord run, long sequence)
    {
        public RunRecord Run { get; set; } = run;

        public long Sequence { get; } = sequence;

        public PartitionPlan? Plan { get; set; }

        public Dictionary<string, int> PlanPositions { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, PartitionState> States { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, Checkpoint> Checkpoints { get; } = new(StringComparer.Ordinal);

        public HashSet<string> Stages { get; } = new(StringComparer.Ordinal);

        public Dictionary<(string PartitionId, string Step, long Offset), ErrorRecord> Errors { get; } = [];

        public Dictionary<string, Effect> Effects { get; } = new(StringComparer.Ordinal);

        public void Clear()
        {
            Plan = null;
            PlanPositions.Clear();
            States.Clear();
            Checkpoints.Clear();
            Stages.Clear();
            Errors.Clear();
            Effects.Clear();
        }
    }
}
