namespace BatchKit;

/// <summary>
/// Keeps the state of runs in memory: a checkpoint store for tests and for jobs that need not survive their process.
/// </summary>
/// <remarks>
/// Instances are thread-safe. Timestamps are kept to the millisecond, like <see cref="SqliteCheckpointStore"/>, so
/// both stores return the same values.
/// </remarks>
public sealed partial class InMemoryCheckpointStore : ICheckpointStore
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
                var created = new RunRecord(runKey.Value, runKey.JobName, runKey.Parameters.ToString(), RunStatus.Running, now, null, 0, null, owner, 1, expires);
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
            data.Run = before with { LeaseOwner = owner, LeaseEpoch = epoch, LeaseExpiresAt = expires };
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
    public ValueTask CountRunAttemptAsync(RunLease lease, CancellationToken cancellationToken) =>
        Write(lease, data => data.Run = data.Run with { Attempts = data.Run.Attempts + 1 }, cancellationToken);

    /// <inheritdoc/>
    public ValueTask SetCancelRequestAsync(RunLease lease, string? requestedBy, CancellationToken cancellationToken) =>
        Write(lease, data => data.Run = data.Run with { CancelRequestedAt = requestedBy is null ? null : Now(), CancelRequestedBy = requestedBy }, cancellationToken);

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
            data.Plan = new PartitionPlan(plan.Fingerprint, plan.Partitions.ToArray()) { Definition = plan.Definition, Barrier = plan.Barrier };
            for (var i = 0; i < plan.Partitions.Count; i++)
            {
                data.PlanPositions.Add(plan.Partitions[i].Id, i);
                data.States.Add(plan.Partitions[i].Id, new PartitionState(plan.Partitions[i].Id, PartitionStatus.Pending, 0, null, now) { LeaseEpoch = data.EpochFloor });
            }
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask AmendPlanAsync(RunLease lease, PartitionPlan plan, IReadOnlyCollection<string> reopened, CancellationToken cancellationToken)
    {
        StateStoreText.ValidatePlan(plan);
        ArgumentNullException.ThrowIfNull(reopened);
        return Write(lease, data =>
        {
            if (data.Plan is null)
            {
                throw StateStoreText.NoPlanToAmend(data.Run.JobName, data.Run.Parameters);
            }

            StateStoreText.ValidateAmendment(data.PlanPositions.Keys, plan, reopened, data.Run.JobName, data.Run.Parameters);
            var now = Now();
            var floor = data.RaiseEpochFloor();
            var kept = plan.Partitions.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
            foreach (var gone in data.PlanPositions.Keys.Where(id => !kept.Contains(id)).ToList())
            {
                data.States.Remove(gone);
                data.Checkpoints.Remove(gone);
                data.RemoveErrors(gone);
            }

            data.Plan = new PartitionPlan(plan.Fingerprint, plan.Partitions.ToArray()) { Definition = plan.Definition, Barrier = plan.Barrier };
            data.PlanPositions.Clear();
            for (var i = 0; i < plan.Partitions.Count; i++)
            {
                var id = plan.Partitions[i].Id;
                data.PlanPositions.Add(id, i);
                if (!data.States.ContainsKey(id))
                {
                    data.States.Add(id, new PartitionState(id, PartitionStatus.Pending, 0, null, now) { LeaseEpoch = floor });
                }
            }

            foreach (var id in reopened)
            {
                data.States[id] = data.States[id] with { Status = PartitionStatus.Pending, LastError = null, UpdatedAt = now, LeaseOwner = null, LeaseExpiresAt = null };
                data.Checkpoints.Remove(id);
                data.RemoveErrors(id);
            }

            data.Run = data.Run with { Status = RunStatus.Running, LastError = null, EndedAt = null };
        }, cancellationToken);
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
                .Where(d => d.Run.EndedAt < cutoff && d.Run.Status != RunStatus.Running && (d.Run.LeaseOwner is null || d.Run.LeaseExpiresAt <= now)
                    && !d.States.Values.Any(s => s.LeaseOwner is not null && s.LeaseExpiresAt > now))
                .Select(d => d.Run.RunKey)
                .Order(StringComparer.Ordinal)
                .ToList();
            foreach (var key in keys)
            {
                _runs.Remove(key);
                _notifications.Remove(key);
            }

            return ValueTask.FromResult<IReadOnlyList<string>>(keys);
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static bool Holds(RunRecord run, RunLease lease) =>
        string.Equals(run.LeaseOwner, lease.Owner, StringComparison.Ordinal) && run.LeaseEpoch == lease.Epoch;

    private static bool Holds(PartitionState state, PartitionLease lease) =>
        string.Equals(state.LeaseOwner, lease.Owner, StringComparison.Ordinal) && state.LeaseEpoch == lease.Epoch;

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

    private ValueTask Write(PartitionLease lease, Action<RunData, PartitionState> write, CancellationToken cancellationToken)
    {
        Fenced(lease, (data, state) =>
        {
            write(data, state);
            return true;
        }, cancellationToken);
        return ValueTask.CompletedTask;
    }

    private T Fenced<T>(PartitionLease lease, Func<RunData, PartitionState, T> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (!_runs.TryGetValue(lease.RunKey, out var data) || !data.States.TryGetValue(lease.PartitionId, out var state))
            {
                throw StateStoreText.PartitionLeaseLost(lease, data?.Run.JobName, data?.Run.Parameters, null, 0);
            }

            if (!Holds(state, lease))
            {
                throw StateStoreText.PartitionLeaseLost(lease, data.Run.JobName, data.Run.Parameters, state.LeaseOwner, state.LeaseEpoch);
            }

            return write(data, state);
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

        /// <summary>Gets the highest partition epoch of every plan cleared so far: a new plan's partitions start above it.</summary>
        public long EpochFloor { get; private set; }

        /// <summary>Raises <see cref="EpochFloor"/> to the highest epoch of the current partitions and returns it.</summary>
        public long RaiseEpochFloor() => EpochFloor = States.Values.Select(s => s.LeaseEpoch).Append(EpochFloor).Max();

        public void RemoveErrors(string partitionId)
        {
            foreach (var key in Errors.Keys.Where(k => string.Equals(k.PartitionId, partitionId, StringComparison.Ordinal)).ToList())
            {
                Errors.Remove(key);
            }
        }

        public void Clear()
        {
            EpochFloor = States.Values.Select(s => s.LeaseEpoch).Append(EpochFloor).Max();
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
