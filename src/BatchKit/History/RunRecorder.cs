using Microsoft.Extensions.Logging;

namespace BatchKit;

/// <summary>
/// Records one run attempt in the store's history and evaluates the job's SLAs at its end: the gate before the run is
/// published, the other objectives once its outcome is known; stores the results with the attempt, exports them as
/// metrics and raises an alert for each missed objective.
/// </summary>
internal sealed class RunRecorder(Job job, ICheckpointStore store, RunKey runKey, string owner, ILogger logger)
{
    private RunAttempt? _attempt;
    private IReadOnlyList<SlaResult>? _results;

    /// <summary>Gets or sets the number of partitions this attempt reconciled (late-arriving data).</summary>
    public int Reconciled { get; set; }

    public async Task BeginAsync(RunLease lease, CancellationToken cancellationToken)
    {
        if (!store.RecordsHistory)
        {
            return;
        }

        var run = await store.GetRunAsync(runKey.Value, cancellationToken).ConfigureAwait(false);
        _attempt = new RunAttempt(runKey.Value, owner, run?.Attempts ?? 1, lease.Epoch, job.TimeProvider.GetUtcNow(), null, RunStatus.Running)
        {
            PartitionsReconciled = Reconciled, // recorded at the start too: a process killed mid-reconciliation leaves only this record
        };
        await WriteAsync(_attempt, "run attempt").ConfigureAwait(false);
    }

    /// <summary>Evaluates every objective of a run whose partitions all completed; throws <see cref="SlaViolationException"/> when a gate is missed.</summary>
    public async Task GateAsync(IReadOnlyList<Partition> partitions, RunStatus status, PartitionOutcome totals, TimeSpan elapsed, CancellationToken cancellationToken)
    {
        if (job.Sla is null)
        {
            return;
        }

        var context = await ContextAsync(partitions, status, totals.RecordsRead, totals.RecordsWritten, totals.Errors, totals.InDoubt, elapsed, 0, cancellationToken).ConfigureAwait(false);
        _results = await EvaluateAsync(context, cancellationToken).ConfigureAwait(false);
        var missed = _results.Where(r => r.IsGate && !r.Passed).ToList();
        if (missed.Count > 0)
        {
            Log.SlaGateFailed(logger, job.Name, runKey, string.Join(", ", missed.Select(r => r.Objective)));
            throw new SlaViolationException(
                $"The job '{job.Name}' run {runKey} missed its SLA gate(s): " + string.Join("; ", missed.Select(r => r.Objective + ": " + r.Detail))
                + ". The run was not published nor marked completed.")
            {
                JobName = job.Name,
                Results = _results,
            };
        }
    }

    /// <summary>Ends the attempt: evaluates the SLAs if the gate did not, records the attempt, exports and alerts.</summary>
    public async Task<RunResult> EndAsync(RunResult result)
    {
        if (result.WasAlreadyCompleted)
        {
            await EndAttemptAsync(result.Status, null, result, []).ConfigureAwait(false);
            return result;
        }

        var results = _results ?? (result.Exception as SlaViolationException)?.Results;
        if (results is null && job.Sla is not null)
        {
            var plan = await store.GetPlanAsync(runKey.Value, CancellationToken.None).ConfigureAwait(false);
            IReadOnlyList<Partition> partitions = plan?.Partitions ?? [];
            var states = await store.GetPartitionStatesAsync(runKey.Value, CancellationToken.None).ConfigureAwait(false);
            var pending = states.Count(s => s.Status != PartitionStatus.Completed);
            var context = await ContextAsync(partitions, result.Status, result.RecordsRead, result.RecordsWritten, result.Errors, result.InDoubt, result.Elapsed, pending, CancellationToken.None).ConfigureAwait(false);
            results = await EvaluateAsync(context, CancellationToken.None).ConfigureAwait(false);
        }

        results ??= [];
        await EndAttemptAsync(result.Status, result.Exception is { } ex ? ex.GetType().Name + ": " + ex.Message : null, result, results).ConfigureAwait(false);
        await ExportAsync(results).ConfigureAwait(false);
        return result with { SlaResults = results };
    }

    /// <summary>Ends an attempt that stopped with an exception (cancelled, lease lost); no SLA is evaluated.</summary>
    public Task EndAbortedAsync(RunStatus status, Exception exception) =>
        EndAttemptAsync(status, exception.GetType().Name + ": " + exception.Message, null, []);

    private async Task EndAttemptAsync(RunStatus status, string? error, RunResult? result, IReadOnlyList<SlaResult> results)
    {
        if (_attempt is null)
        {
            return;
        }

        _attempt = _attempt with
        {
            EndedAt = job.TimeProvider.GetUtcNow(),
            Status = status,
            Error = error,
            Partitions = result?.Partitions ?? 0,
            PartitionsProcessed = result?.PartitionsProcessed ?? 0,
            RecordsRead = result?.RecordsRead ?? 0,
            RecordsWritten = result?.RecordsWritten ?? 0,
            Errors = result?.Errors ?? 0,
            InDoubt = result?.InDoubt ?? 0,
            PartitionsReconciled = Reconciled,
            SlaResults = results,
        };
        await WriteAsync(_attempt, "run attempt").ConfigureAwait(false);
    }

    private async Task<SlaContext> ContextAsync(IReadOnlyList<Partition> partitions, RunStatus status, long read, long written, long errors, long inDoubt, TimeSpan elapsed, int pending, CancellationToken cancellationToken)
    {
        // The run's duration is the sum of its attempts: the earlier ones from history, this one as measured.
        var earlier = TimeSpan.Zero;
        foreach (var attempt in await store.ListRunAttemptsAsync(runKey.Value, cancellationToken).ConfigureAwait(false))
        {
            if (!string.Equals(attempt.Owner, owner, StringComparison.Ordinal) && attempt.Duration is { } duration)
            {
                earlier += duration;
            }
        }

        return new SlaContext(runKey, status, partitions, job.TimeProvider.GetUtcNow())
        {
            RecordsRead = read,
            RecordsWritten = written,
            Errors = errors,
            InDoubt = inDoubt,
            Duration = earlier + elapsed,
            PendingPartitions = pending,
        };
    }

    private async Task<IReadOnlyList<SlaResult>> EvaluateAsync(SlaContext context, CancellationToken cancellationToken)
    {
        var sla = job.Sla!;
        var completed = context.Status is RunStatus.Completed or RunStatus.CompletedWithDoubts;
        var environment = new SlaEnvironment(context, sla.Sink, store, job.Name);
        var results = new List<SlaResult>();
        foreach (var rule in sla.Rules.Where(r => completed || !r.NeedsCompletedRun))
        {
            try
            {
                results.Add(await rule.EvaluateAsync(environment, cancellationToken).ConfigureAwait(false));
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Log.SlaEvaluationFailed(logger, ex, job.Name, runKey, rule.Objective);
                results.Add(new SlaResult(rule.Objective, double.NaN, null, false, rule.Gate, $"could not be evaluated: {ex.GetType().Name}: {ex.Message}"));
            }
        }

        return results;
    }

    private async Task ExportAsync(IReadOnlyList<SlaResult> results)
    {
        var alerts = job.Sla?.AlertSink ?? new LoggingAlertSink(job.LoggerFactory);
        foreach (var result in results)
        {
            SlaDiagnostics.Record(job.Name, result);
            if (result.Passed)
            {
                continue;
            }

            try
            {
                await alerts.RaiseAsync(new SlaAlert(job.Name, runKey, result, job.TimeProvider.GetUtcNow()), CancellationToken.None).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // an alert that cannot be delivered is logged; it never changes the run's outcome
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Log.AlertFailed(logger, ex, job.Name, runKey, result.Objective);
            }
        }
    }

    private async Task WriteAsync(RunAttempt attempt, string what)
    {
        try
        {
            await store.RecordRunAttemptAsync(attempt, CancellationToken.None).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // history is an observation: a failed write is logged and the run goes on
        catch (Exception ex) when (ex is not ObjectDisposedException)
#pragma warning restore CA1031
        {
            Log.HistoryWriteFailed(logger, ex, job.Name, runKey, what);
        }
    }
}
