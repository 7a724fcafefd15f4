using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace BatchKit;

/// <content>Joining a run under the run lease: planning or verifying it, and opening a new pass.</content>
public sealed partial class JobRunner
{
    /// <summary>
    /// Joins the run under a short run lease: returns the frozen plan (planning and freezing it when this worker is the
    /// first, verifying it otherwise), or a result when there is nothing to do (completed, or completed with doubts that
    /// are not resolved) or planning failed. When the run is not <see cref="RunStatus.Running"/>, this starts a new pass:
    /// failed partitions go back to pending (<see cref="RunOptions.RetryFailedPartitions"/>) and so do partitions whose
    /// doubts were resolved.
    /// </summary>
    private async Task<(IReadOnlyList<Partition>? Partitions, RunResult? Result)> JoinAsync(WorkerRun run, RunOptions options, CancellationToken cancellationToken)
    {
        var store = run.Store;
        var runKey = run.RunKey;
        var (lease, record) = await AcquireRunLeaseAsync(run, cancellationToken).ConfigureAwait(false);
        LateInput? late = null;
        if (Reconciles(options, record) && !LiveHolders(run, await store.GetPartitionStatesAsync(runKey.Value, cancellationToken).ConfigureAwait(false)).Any())
        {
            try
            {
                late = await FindLateInputAsync(store, runKey, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await ReleaseQuietlyAsync(store, lease, record).ConfigureAwait(false);
                throw;
            }
            catch (Exception ex) when (ex is BatchKitException or IOException or UnauthorizedAccessException)
            {
                // The run keeps its status and its output (that of its old input); the failed attempt is in the history.
                await store.CountRunAttemptAsync(lease, cancellationToken).ConfigureAwait(false);
                await run.Recorder.BeginAsync(lease, cancellationToken).ConfigureAwait(false);
                await store.SetRunStatusAsync(lease, record.Status, record.LastError, release: true, CancellationToken.None).ConfigureAwait(false);
                var plan = await store.GetPlanAsync(runKey.Value, CancellationToken.None).ConfigureAwait(false);
                return (null, await ResultAsync(run, plan?.Partitions ?? [], RunStatus.Failed, ex).ConfigureAwait(false));
            }
        }

        // A join that finds nothing to do (completed with its input unchanged, or doubts still unresolved) is not an attempt at the run.
        var upToDate = record.Status == RunStatus.Completed && !options.Reprocess && late is null;
        var doubtsLeft = record.Status == RunStatus.CompletedWithDoubts && !options.Reprocess
            && (await store.ListInDoubtEffectsAsync(runKey.Value, cancellationToken).ConfigureAwait(false)).Count > 0;
        // A run a person cancelled stays cancelled unless this call resumes it explicitly (a restarted worker must not undo the cancel).
        var staysCancelled = record.CancelRequestedAt is not null && !options.ResumeCancelled && !options.Reprocess;
        if (!doubtsLeft && !staysCancelled && !upToDate)
        {
            await store.CountRunAttemptAsync(lease, cancellationToken).ConfigureAwait(false);
        }

        run.Recorder.Reconciled = late?.Count ?? 0;
        await run.Recorder.BeginAsync(lease, cancellationToken).ConfigureAwait(false);
        using var lost = new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lost.Token);
        using var guard = LeaseGuard.ForRun(store, lease, run.LeaseDuration, _job.TimeProvider, lost, _logger, _job.Name);
        var heartbeat = guard.RunAsync();
        var released = false;
        try
        {
            if (doubtsLeft)
            {
                // Until every doubt is resolved, running again could only repeat the same doubts.
                await ReleaseAsync(store, lease, record, ref released).ConfigureAwait(false);
                var plan = await store.GetPlanAsync(runKey.Value, linked.Token).ConfigureAwait(false);
                var doubtful = await ResultAsync(run, plan?.Partitions ?? [], RunStatus.CompletedWithDoubts, null, alreadyCompleted: true).ConfigureAwait(false);
                Log.RunCompletedWithDoubts(_logger, _job.Name, runKey, doubtful.InDoubt);
                return (null, doubtful);
            }

            if (staysCancelled)
            {
                await ReleaseAsync(store, lease, record, ref released).ConfigureAwait(false);
                Log.RunStaysCancelled(_logger, _job.Name, runKey, record.CancelRequestedBy);
                var plan = await store.GetPlanAsync(runKey.Value, linked.Token).ConfigureAwait(false);
                return (null, await ResultAsync(run, plan?.Partitions ?? [], RunStatus.Cancelled, CancelledError(runKey, record)).ConfigureAwait(false));
            }

            if (record.CancelRequestedAt is not null)
            {
                await store.SetCancelRequestAsync(lease, null, linked.Token).ConfigureAwait(false);
                Log.RunCancelCleared(_logger, _job.Name, runKey, record.CancelRequestedBy);
            }

            if (upToDate)
            {
                await ReleaseAsync(store, lease, record, ref released).ConfigureAwait(false);
                Log.RunAlreadyCompleted(_logger, _job.Name, runKey);
                var plan = await store.GetPlanAsync(runKey.Value, linked.Token).ConfigureAwait(false);
                return (null, await ResultAsync(run, plan?.Partitions ?? [], RunStatus.Completed, null, alreadyCompleted: true).ConfigureAwait(false));
            }

            var states = await store.GetPartitionStatesAsync(runKey.Value, linked.Token).ConfigureAwait(false);
            if (options.Reprocess && LiveHolders(run, states).FirstOrDefault() is { } holder)
            {
                await ReleaseAsync(store, lease, record, ref released).ConfigureAwait(false);
                throw new RunLeaseConflictException(
                    $"Cannot reprocess the job '{_job.Name}' run {runKey}: partition '{holder.PartitionId}' is held by the live worker '{holder.LeaseOwner}' until "
                    + $"{holder.LeaseExpiresAt:O}. Reprocess once no worker processes the run.")
                {
                    JobName = _job.Name,
                };
            }

            var newPass = record.Status != RunStatus.Running;
            IReadOnlyList<Partition> partitions;
            if (late is not null)
            {
                Log.LateInputReconciled(_logger, _job.Name, runKey, late.Changed.Count, late.Appeared.Count, late.Vanished.Count, late.Details);
                partitions = await ReconcileAsync(store, lease, guard.Token, runKey, late, linked.Token).ConfigureAwait(false);
            }
            else
            {
                partitions = await PlanAsync(store, lease, guard.Token, runKey, options, linked.Token).ConfigureAwait(false);
            }

            if (record.Status == RunStatus.CompletedWithDoubts && !options.Reprocess)
            {
                await ReopenDoubtfulPartitionsAsync(store, lease, runKey, partitions, linked.Token).ConfigureAwait(false);
            }

            states = await store.GetPartitionStatesAsync(runKey.Value, linked.Token).ConfigureAwait(false);
            if (newPass && options.RetryFailedPartitions)
            {
                foreach (var failed in states.Where(s => s.Status == PartitionStatus.Failed && s.LeaseOwner is null))
                {
                    await store.ReopenPartitionAsync(lease, failed.PartitionId, clearCheckpoint: false, linked.Token).ConfigureAwait(false);
                }
            }

            if (_job.Pipeline.IsShuffled)
            {
                await ReopenMissingStagingAsync(store, lease, runKey, partitions, states, run.StagingRoot, linked.Token).ConfigureAwait(false);
            }

            states = await store.GetPartitionStatesAsync(runKey.Value, linked.Token).ConfigureAwait(false);
            await store.SetRunStatusAsync(lease, RunStatus.Running, null, release: true, CancellationToken.None).ConfigureAwait(false);
            released = true;
            var pending = states.Count(s => s.Status != PartitionStatus.Completed);
            Log.RunStarted(_logger, _job.Name, runKey, partitions.Count, pending, lease.Epoch);
            Activity.Current?.SetTag("batchkit.lease.epoch", lease.Epoch);
            Activity.Current?.SetTag("batchkit.run.attempt", record.Attempts + 1);
            return (partitions, null);
        }
        catch (OperationCanceledException) when (guard.Lost)
        {
            throw RunLeaseLost(runKey, "planning");
        }
        catch (Exception ex) when (ex is LeaseLostException or RunLeaseConflictException)
        {
            throw;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await ReleaseAsync(store, lease, record, ref released).ConfigureAwait(false);
            throw;
        }
        catch (Exception ex)
        {
            // Planning failed (changed definition or input, no input, a partitioner that threw). The run is marked failed
            // unless other workers are processing it: a racing worker with another definition cannot stop them.
            var states = await store.GetPartitionStatesAsync(runKey.Value, CancellationToken.None).ConfigureAwait(false);
            var status = LiveHolders(run, states).Any() ? record.Status : RunStatus.Failed;
            await store.SetRunStatusAsync(lease, status, status == RunStatus.Failed ? ex.GetType().Name + ": " + ex.Message : record.LastError, release: true, CancellationToken.None).ConfigureAwait(false);
            released = true;
            var plan = await store.GetPlanAsync(runKey.Value, CancellationToken.None).ConfigureAwait(false);
            return (null, await ResultAsync(run, plan?.Partitions ?? [], RunStatus.Failed, ex).ConfigureAwait(false));
        }
        finally
        {
            await guard.StopAsync(heartbeat).ConfigureAwait(false);
            if (!released && !guard.Lost)
            {
                await ReleaseQuietlyAsync(store, lease, record).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Records that this worker stopped the run (cancelled or timed out) under a short run lease, unless the run has
    /// completed meanwhile (another worker finished it). Returns the status the run has afterwards.
    /// </summary>
    private async Task<RunStatus> RecordStopAsync(WorkerRun run, RunStatus status, string error)
    {
        try
        {
            var (lease, record) = await AcquireRunLeaseAsync(run, CancellationToken.None).ConfigureAwait(false);
            // A completed run stays completed; a run a person cancelled stays cancelled, with the request's message.
            var keep = record.Status is RunStatus.Completed or RunStatus.CompletedWithDoubts;
            var cancelled = !keep && record.CancelRequestedAt is not null;
            var final = keep ? record.Status : cancelled ? RunStatus.Cancelled : status;
            await run.Store.SetRunStatusAsync(lease, final, keep || cancelled ? record.LastError : error, release: true, CancellationToken.None).ConfigureAwait(false);
            return final;
        }
        catch (RunLeaseConflictException)
        {
            return status; // another worker holds the run to finalize it; its outcome wins
        }
    }

    /// <summary>
    /// Takes the run lease: at once when it is free, expired, or held by a process of this host that is gone (a fenced
    /// takeover that bumps the epoch); otherwise after waiting up to <see cref="JobOptions.LeaseWaitTimeout"/> for the
    /// holder, which holds it only to plan or finalize, to release it or for it to expire.
    /// </summary>
    private async Task<(RunLease Lease, RunRecord Run)> AcquireRunLeaseAsync(WorkerRun run, CancellationToken cancellationToken)
    {
        var store = run.Store;
        var runKey = run.RunKey;
        var time = _job.TimeProvider;
        var duration = run.LeaseDuration;
        var deadline = time.GetUtcNow() + (_job.Options.LeaseWaitTimeout ?? duration * 10);
        string? reported = null;
        while (true)
        {
            try
            {
                return await store.AcquireRunAsync(runKey, run.Owner, duration, cancellationToken).ConfigureAwait(false);
            }
            catch (RunLeaseConflictException)
            {
                var record = await store.GetRunAsync(runKey.Value, cancellationToken).ConfigureAwait(false);
                if (record?.LeaseOwner is not { } holder)
                {
                    continue; // released meanwhile
                }

                if (LocalProcessOwner.IsGone(holder))
                {
                    Log.LeaseTakenOver(_logger, _job.Name, runKey, holder, record.LeaseExpiresAt);
                    CountTakeover("run");
                    try
                    {
                        return await store.TakeOverRunAsync(runKey, run.Owner, holder, duration, cancellationToken).ConfigureAwait(false);
                    }
                    catch (RunLeaseConflictException)
                    {
                        continue; // another worker took it over first: it is the holder now
                    }
                }

                var now = time.GetUtcNow();
                if (now >= deadline)
                {
                    throw;
                }

                if (!string.Equals(holder, reported, StringComparison.Ordinal))
                {
                    Log.LeaseWaiting(_logger, _job.Name, runKey, holder, record.LeaseExpiresAt, deadline);
                    reported = holder;
                }

                var pause = deadline - now;
                var step = TimeSpan.FromMilliseconds(100);
                await Task.Delay(pause < step ? pause : step, time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The partitions held by another worker whose lease has not expired and that is not known to be gone.</summary>
    private IEnumerable<PartitionState> LiveHolders(WorkerRun run, IReadOnlyList<PartitionState> states)
    {
        var now = _job.TimeProvider.GetUtcNow();
        return states.Where(s => s.LeaseOwner is { } owner && s.LeaseExpiresAt > now
            && !string.Equals(owner, run.Owner, StringComparison.Ordinal) && !LocalProcessOwner.IsGone(owner));
    }

    private static ValueTask ReleaseAsync(ICheckpointStore store, RunLease lease, RunRecord record, ref bool released)
    {
        released = true;
        return store.SetRunStatusAsync(lease, record.Status, record.LastError, release: true, CancellationToken.None);
    }

    private static async Task ReleaseQuietlyAsync(ICheckpointStore store, RunLease lease, RunRecord record)
    {
        try
        {
            await store.SetRunStatusAsync(lease, record.Status, record.LastError, release: true, CancellationToken.None).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // the lease expires on its own; the failure that got here is the one to report
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private LeaseLostException RunLeaseLost(RunKey runKey, string activity)
    {
        Log.LeaseLost(_logger, _job.Name, runKey);
        return new LeaseLostException($"The job '{_job.Name}' run {runKey} lost its run lease to another worker while {activity} and stopped without committing more.") { JobName = _job.Name };
    }

    /// <summary>
    /// Once every in-doubt effect of a run is resolved, sends the partitions that had doubts back to pending, from
    /// their first record: the guard skips the confirmed effects and performs the released ones.
    /// </summary>
    private static async Task ReopenDoubtfulPartitionsAsync(ICheckpointStore store, RunLease lease, RunKey runKey, IReadOnlyList<Partition> partitions, CancellationToken cancellationToken)
    {
        foreach (var partition in partitions)
        {
            var checkpoint = await store.GetCheckpointAsync(runKey.Value, partition.Id, cancellationToken).ConfigureAwait(false);
            if (checkpoint is { InDoubtCount: > 0 })
            {
                await store.ReopenPartitionAsync(lease, partition.Id, clearCheckpoint: true, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Re-opens every completed extract partition whose staging files (counted at its completion) are not all there while
    /// a target partition still needs them: it goes back to pending with its checkpoint cleared, and the claim barrier
    /// keeps the target partitions from being claimed until it completed again.
    /// </summary>
    private async Task ReopenMissingStagingAsync(
        ICheckpointStore store, RunLease lease, RunKey runKey, IReadOnlyList<Partition> partitions, IReadOnlyList<PartitionState> stateList, string staging, CancellationToken cancellationToken)
    {
        var states = stateList.ToDictionary(s => s.PartitionId, StringComparer.Ordinal);
        if (partitions.All(p => StagingLayout.IsExtract(p) || states.GetValueOrDefault(p.Id)?.Status == PartitionStatus.Completed))
        {
            return; // no target partition needs staging any more
        }

        foreach (var extract in partitions.Where(p => StagingLayout.IsExtract(p) && states.GetValueOrDefault(p.Id)?.Status == PartitionStatus.Completed))
        {
            var checkpoint = await store.GetCheckpointAsync(runKey.Value, extract.Id, cancellationToken).ConfigureAwait(false);
            var present = StagingLayout.CountFiles(staging, runKey, extract.Id);
            if (checkpoint is not null && present >= checkpoint.SinkPosition)
            {
                continue;
            }

            Log.StagingMissing(_logger, _job.Name, extract.Id, checkpoint?.SinkPosition ?? 0, present);
            await store.ReopenPartitionAsync(lease, extract.Id, clearCheckpoint: true, cancellationToken).ConfigureAwait(false);
        }
    }
}
