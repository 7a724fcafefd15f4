namespace BatchKit;

/// <summary>
/// Reads what happened in runs from a checkpoint store: the last runs of a job, a run's partitions, a job's duration
/// trend and availability. It only reads, through the store's query methods.
/// </summary>
/// <remarks>
/// Counts come from the partitions' checkpoints, so they are current even for a run that is still going. Start and end
/// times, durations and owners of partitions come from the attempt records of stores that keep history
/// (<see cref="ICheckpointStore.RecordsHistory"/>); with other stores they are <see langword="null"/> and a run's
/// duration is the span from its first start to its last end. Thread-safe when the store is.
/// </remarks>
public sealed class RunHistory
{
    private readonly ICheckpointStore _store;

    /// <summary>Initializes a new instance of the <see cref="RunHistory"/> class.</summary>
    /// <param name="store">The store to read.</param>
    public RunHistory(ICheckpointStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
    }

    /// <summary>Lists the last runs, newest first.</summary>
    /// <param name="jobName">Only this job's runs, when set.</param>
    /// <param name="last">The number of runs.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The runs.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="last"/> is negative.</exception>
    public async Task<IReadOnlyList<RunSummary>> ListRunsAsync(string? jobName, int last, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(last);
        var runs = await _store.ListRunsAsync(jobName, last, cancellationToken).ConfigureAwait(false);
        var summaries = new List<RunSummary>(runs.Count);
        foreach (var run in runs)
        {
            summaries.Add(await SummarizeAsync(run, cancellationToken).ConfigureAwait(false));
        }

        return summaries;
    }

    /// <summary>Gets one run.</summary>
    /// <param name="runKey">The RunKey hash.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The run, or <see langword="null"/> if the store does not know it.</returns>
    public async Task<RunSummary?> GetRunAsync(string runKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runKey);
        var run = await _store.GetRunAsync(runKey, cancellationToken).ConfigureAwait(false);
        return run is null ? null : await SummarizeAsync(run, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Lists a run's partitions in plan order.</summary>
    /// <param name="runKey">The RunKey hash.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The partitions; none when the run has no plan yet.</returns>
    public async Task<IReadOnlyList<PartitionSummary>> GetPartitionsAsync(string runKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runKey);
        var states = await _store.GetPartitionStatesAsync(runKey, cancellationToken).ConfigureAwait(false);
        var attempts = (await _store.ListPartitionAttemptsAsync(runKey, cancellationToken).ConfigureAwait(false))
            .ToLookup(a => a.PartitionId, StringComparer.Ordinal);
        var summaries = new List<PartitionSummary>(states.Count);
        foreach (var state in states)
        {
            var checkpoint = await _store.GetCheckpointAsync(runKey, state.PartitionId, cancellationToken).ConfigureAwait(false);
            var own = attempts[state.PartitionId].OrderBy(a => a.StartedAt).ToList();
            var last = own.Count > 0 ? own[^1] : null;
            summaries.Add(new PartitionSummary(state.PartitionId, state.Status, state.Attempts)
            {
                StartedAt = own.Count > 0 ? own[0].StartedAt : null,
                EndedAt = last?.EndedAt,
                Duration = own.Count > 0 && own.Any(a => a.Duration is not null) ? Sum(own.Select(a => a.Duration)) : null,
                RecordsRead = checkpoint?.RecordsRead ?? 0,
                RecordsWritten = checkpoint?.RecordsWritten ?? 0,
                Errors = checkpoint?.ErrorCount ?? 0,
                InDoubt = checkpoint?.InDoubtCount ?? 0,
                Error = state.LastError ?? own.LastOrDefault(a => a.Error is not null)?.Error,
                Owner = last?.Owner,
                UpdatedAt = state.UpdatedAt,
            });
        }

        return summaries;
    }

    /// <summary>Lists the durations of a job's last runs that ended, oldest first, for capacity planning.</summary>
    /// <param name="jobName">The job.</param>
    /// <param name="last">The number of runs to look at.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>One point per run whose duration is known.</returns>
    public async Task<IReadOnlyList<DurationPoint>> DurationTrendAsync(string jobName, int last = 30, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobName);
        var runs = await ListRunsAsync(jobName, last, cancellationToken).ConfigureAwait(false);
        return runs
            .Where(r => r.Duration is not null && r.Status != RunStatus.Running)
            .OrderBy(r => r.StartedAt)
            .Select(r => new DurationPoint(r.RunKey, r.Parameters, r.StartedAt, r.Status, r.Duration!.Value, r.RecordsRead))
            .ToList();
    }

    /// <summary>Computes the share of a job's runs started within a window that completed.</summary>
    /// <param name="jobName">The job.</param>
    /// <param name="window">The window, for example 30 days.</param>
    /// <param name="until">The end of the window.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The availability. A run counts once, with its current status (a failed run completed by a later attempt counts as completed).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="window"/> is not positive.</exception>
    public async Task<AvailabilitySummary> AvailabilityAsync(string jobName, TimeSpan window, DateTimeOffset until, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobName);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        var runs = (await _store.ListRunsAsync(jobName, int.MaxValue, cancellationToken).ConfigureAwait(false))
            .Where(r => r.StartedAt >= until - window && r.StartedAt <= until)
            .ToList();
        return new AvailabilitySummary(jobName, window, until, runs.Count, runs.Count(r => r.Status == RunStatus.Completed));
    }

    internal static double Availability(IReadOnlyCollection<RunStatus> statuses) =>
        statuses.Count == 0 ? 1 : (double)statuses.Count(s => s == RunStatus.Completed) / statuses.Count;

    private static TimeSpan Sum(IEnumerable<TimeSpan?> durations) => durations.Aggregate(TimeSpan.Zero, (total, d) => total + (d ?? TimeSpan.Zero));

    private async Task<RunSummary> SummarizeAsync(RunRecord run, CancellationToken cancellationToken)
    {
        var plan = await _store.GetPlanAsync(run.RunKey, cancellationToken).ConfigureAwait(false);
        var states = await _store.GetPartitionStatesAsync(run.RunKey, cancellationToken).ConfigureAwait(false);
        var attempts = await _store.ListRunAttemptsAsync(run.RunKey, cancellationToken).ConfigureAwait(false);
        long read = 0, written = 0, errors = 0, inDoubt = 0;
        var partitions = plan?.Partitions ?? [];
        var shuffled = partitions.Any(StagingLayout.IsExtract);
        foreach (var partition in partitions)
        {
            var checkpoint = await _store.GetCheckpointAsync(run.RunKey, partition.Id, cancellationToken).ConfigureAwait(false);
            if (checkpoint is null)
            {
                continue;
            }

            // Shuffled runs: the extract partitions read the input, the target partitions write the output.
            var extract = StagingLayout.IsExtract(partition);
            read += !shuffled || extract ? checkpoint.RecordsRead : 0;
            written += extract ? 0 : checkpoint.RecordsWritten;
            errors += checkpoint.ErrorCount;
            inDoubt += checkpoint.InDoubtCount;
        }

        TimeSpan? duration = attempts.Count > 0 && attempts.Any(a => a.Duration is not null)
            ? Sum(attempts.Select(a => a.Duration))
            : run.EndedAt - run.StartedAt;
        return new RunSummary(run.RunKey, run.JobName, run.Parameters, run.Status, run.StartedAt, run.EndedAt, run.Attempts)
        {
            Duration = run.Status == RunStatus.Running && attempts.Count == 0 ? null : duration,
            RecordsRead = read,
            RecordsWritten = written,
            Errors = errors,
            InDoubt = inDoubt,
            Partitions = partitions.Count,
            PartitionsCompleted = states.Count(s => s.Status == PartitionStatus.Completed),
            PartitionsFailed = states.Count(s => s.Status == PartitionStatus.Failed),
            Error = run.LastError,
            Owner = run.LeaseOwner ?? (attempts.Count > 0 ? attempts[^1].Owner : null),
            PartitionsReconciled = attempts.Sum(a => a.PartitionsReconciled),
            SlaResults = attempts.LastOrDefault(a => a.SlaResults.Count > 0)?.SlaResults ?? [],
        };
    }
}
