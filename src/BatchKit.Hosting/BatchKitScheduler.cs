using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BatchKit.Hosting;

/// <summary>
/// The hosted service that runs scheduled jobs. At start it builds every job (a definition error fails the start),
/// resumes a run of the last claimed occurrence that a stop or crash interrupted, applies the misfire policy to the
/// occurrences missed while no host ran, then waits for each next occurrence. When the host stops, the running jobs'
/// token is cancelled: each stops at its next chunk boundary with its checkpoints written, is recorded
/// <see cref="RunStatus.Cancelled"/>, and resumes at the next start.
/// </summary>
internal sealed class BatchKitScheduler(
    BatchKitJobCatalog catalog,
    ICheckpointStore store,
    IScheduleStateStore scheduleStore,
    IOptions<BatchKitHostingOptions> options,
    TimeProvider time,
    ILoggerFactory loggerFactory) : BackgroundService
{
    private static readonly TimeSpan MaxTimerDelay = TimeSpan.FromHours(12);
    private readonly ILogger _logger = loggerFactory.CreateLogger("BatchKit.Hosting");
    private readonly PriorityGate _gate = new(options.Value.MaxConcurrentJobs);
    private DateTimeOffset _startedAt;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _ = catalog.Entries; // builds every job now: a definition error fails the host's start
        _startedAt = time.GetUtcNow(); // occurrences after this instant are this start's to run; earlier ones are misfires
        return options.Value.SchedulerEnabled ? base.StartAsync(cancellationToken) : Task.CompletedTask;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield(); // let the host finish starting; the loops run on the thread pool
        var scheduled = catalog.Entries.Where(e => e.Schedule is not null && e.Options.Enabled).ToList();
        Log.SchedulerStarted(_logger, scheduled.Count, catalog.Entries.Count, options.Value.MaxConcurrentJobs);
        await Task.WhenAll(scheduled.Select(e => RunScheduleAsync(e, stoppingToken))).ConfigureAwait(false);
    }

    private async Task RunScheduleAsync(CatalogEntry entry, CancellationToken stoppingToken)
    {
        try
        {
            var schedule = entry.Schedule!;
            var cursor = _startedAt;
            var last = await scheduleStore.GetLastOccurrenceAsync(entry.Name, stoppingToken).ConfigureAwait(false);
            if (last is { } claimed)
            {
                // Only an occurrence claimed before this start can have been interrupted: one claimed since (by another
                // host, in the moment between this host's start and its loop's first read) is that host's to run.
                if (claimed <= _startedAt)
                {
                    await ResumeInterruptedAsync(entry, claimed, stoppingToken).ConfigureAwait(false);
                }

                await HandleMisfiresAsync(entry, schedule, claimed, cursor, stoppingToken).ConfigureAwait(false);
            }

            while (!stoppingToken.IsCancellationRequested)
            {
                if (schedule.GetNextOccurrence(cursor) is not { } next)
                {
                    return;
                }

                await DelayUntilAsync(next, stoppingToken).ConfigureAwait(false);
                await HandleOccurrenceAsync(entry, next, stoppingToken).ConfigureAwait(false);
                cursor = next;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
    }

    private async Task HandleMisfiresAsync(CatalogEntry entry, JobSchedule schedule, DateTimeOffset lastClaimed, DateTimeOffset now, CancellationToken stoppingToken)
    {
        if (lastClaimed >= now)
        {
            return;
        }

        var missed = schedule.GetOccurrences(lastClaimed, now).ToList();
        if (missed.Count == 0)
        {
            return;
        }

        var run = entry.Options.Misfire switch
        {
            MisfirePolicy.Skip => [],
            MisfirePolicy.RunOnce => missed[^1..],
            _ => missed.TakeLast(entry.Options.MaxCatchUp).ToList(),
        };
        if (run.Count < missed.Count)
        {
            var skipped = missed.Take(missed.Count - run.Count).ToList();
            Log.MisfiresSkipped(_logger, entry.Name, skipped.Count, skipped[0], skipped[^1], entry.Options.Misfire);
        }

        foreach (var occurrence in run)
        {
            await HandleOccurrenceAsync(entry, occurrence, stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>Runs the last claimed occurrence again when its run did not finish (the host was stopped or killed).</summary>
    private async Task ResumeInterruptedAsync(CatalogEntry entry, DateTimeOffset occurrence, CancellationToken stoppingToken)
    {
        var runKey = new RunKey(entry.Name, entry.ParametersFor(occurrence));
        var run = await store.GetRunAsync(runKey.Value, stoppingToken).ConfigureAwait(false);
        // A claimed occurrence without a run is not resumed: another host may have claimed it a moment ago and be
        // about to start it. (One that a stop caught while it waited for a slot is left for a manual run.)
        // A run that a person cancelled is not an interruption: it stays cancelled until resumed by hand.
        if (run is { Status: RunStatus.Running or RunStatus.Cancelled or RunStatus.TimedOut, CancelRequestedAt: null })
        {
            Log.ResumingInterrupted(_logger, entry.Name, occurrence, runKey, run.Status);
            await RunAsync(entry, occurrence, runKey, stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task HandleOccurrenceAsync(CatalogEntry entry, DateTimeOffset occurrence, CancellationToken stoppingToken)
    {
        // One host per occurrence: the claim is a compare-and-set in the shared schedule store. The run lease still
        // guards the RunKey itself (a manual run, or a host whose schedule store is not shared).
        if (!await scheduleStore.TryClaimAsync(entry.Name, occurrence, stoppingToken).ConfigureAwait(false))
        {
            Log.OccurrenceClaimedElsewhere(_logger, entry.Name, occurrence);
            return;
        }

        var runKey = new RunKey(entry.Name, entry.ParametersFor(occurrence));
        await RunAsync(entry, occurrence, runKey, stoppingToken).ConfigureAwait(false);
        await ReconcileWindowAsync(entry, occurrence, runKey, stoppingToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Opens again, with <see cref="RunOptions.ReprocessChangedInput"/>, the completed runs of the occurrences in
    /// [occurrence − window, occurrence), newest first: each reprocesses only the partitions whose input changed since it
    /// completed, and does nothing when none did. Runs that did not complete are left alone (resume and failures are
    /// handled as for any run).
    /// </summary>
    private async Task ReconcileWindowAsync(CatalogEntry entry, DateTimeOffset occurrence, RunKey current, CancellationToken stoppingToken)
    {
        if (entry.Options.ReconcileWindow is not { } window || window <= TimeSpan.Zero || entry.Schedule is not { } schedule)
        {
            return;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal) { current.Value };
        var earlier = schedule.GetOccurrences(occurrence - window - TimeSpan.FromTicks(1), occurrence).Where(o => o < occurrence).Reverse().ToList();
        foreach (var previous in earlier)
        {
            var runKey = new RunKey(entry.Name, entry.ParametersFor(previous));
            if (!seen.Add(runKey.Value) || await store.GetRunAsync(runKey.Value, stoppingToken).ConfigureAwait(false) is not { Status: RunStatus.Completed })
            {
                continue;
            }

            using var slot = await _gate.EnterAsync(entry.Options.Priority, stoppingToken).ConfigureAwait(false);
            try
            {
                var result = await new JobRunner(entry.Job).RunAsync(runKey.Parameters, new RunOptions { ReprocessChangedInput = true }, stoppingToken).ConfigureAwait(false);
                if (result.PartitionsReconciled > 0 || result.Status != RunStatus.Completed)
                {
                    Log.LateDataReconciled(_logger, entry.Name, occurrence, runKey, result.PartitionsReconciled, result.Status);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                // A sink that cannot replace a partition, a held lease, a store failure: logged; the schedule goes on.
                Log.ReconcileFailed(_logger, ex, entry.Name, occurrence, runKey);
            }
        }
    }

    private async Task RunAsync(CatalogEntry entry, DateTimeOffset occurrence, RunKey runKey, CancellationToken stoppingToken)
    {
        using var slot = await _gate.EnterAsync(entry.Options.Priority, stoppingToken).ConfigureAwait(false);
        Log.OccurrenceStarting(_logger, entry.Name, occurrence, runKey);
        try
        {
            var result = await new JobRunner(entry.Job).RunAsync(runKey.Parameters, stoppingToken).ConfigureAwait(false);
            if (result is { Status: RunStatus.Cancelled, Exception: RunCancelledException cancelled })
            {
                // Cancelled by a person: recorded as such and left for a manual resume; the next occurrence runs as usual.
                Log.OccurrenceCancelled(_logger, entry.Name, occurrence, runKey, cancelled.RequestedBy ?? "a request");
            }
            else
            {
                Log.OccurrenceEnded(_logger, entry.Name, occurrence, runKey, result.Status, result.WasAlreadyCompleted);
            }
        }
        catch (RunCancelledException ex)
        {
            Log.OccurrenceCancelled(_logger, entry.Name, occurrence, runKey, ex.RequestedBy ?? "a request");
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            Log.OccurrenceStoppedByShutdown(_logger, entry.Name, occurrence, runKey);
            throw;
        }
        catch (RunLeaseConflictException ex)
        {
            Log.RunHeldElsewhere(_logger, ex, entry.Name, occurrence, runKey);
        }
        catch (Exception ex)
        {
            // A lost lease or a store failure: logged, and the schedule goes on (the run resumes when run again).
            Log.OccurrenceFailed(_logger, ex, entry.Name, occurrence, runKey);
        }
    }

    private async Task DelayUntilAsync(DateTimeOffset due, CancellationToken stoppingToken)
    {
        for (var remaining = due - time.GetUtcNow(); remaining > TimeSpan.Zero; remaining = due - time.GetUtcNow())
        {
            await Task.Delay(remaining < MaxTimerDelay ? remaining : MaxTimerDelay, time, stoppingToken).ConfigureAwait(false);
        }
    }
}
