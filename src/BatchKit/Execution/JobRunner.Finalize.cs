namespace BatchKit;

/// <content>Finalizing a settled run under the run lease: run-level publish, checks and the final status.</content>
public sealed partial class JobRunner
{
    /// <summary>
    /// Finalizes the run once this worker found it settled: under the run lease, whose token fences the run-level
    /// publish, it checks the partition states again. A failed partition fails the run (or times it out, when every
    /// failure was a partition timeout); when every partition completed, it checks the minimum record count and the
    /// error rate, publishes (<see cref="IRunCompletingSink"/>), and marks the run completed. A run that another worker
    /// finalized first is returned as it is. Returns <see langword="null"/> when the run is not settled after all (a
    /// partition was reopened or claimed meanwhile): the worker goes back to claiming.
    /// </summary>
    private async Task<RunResult?> FinalizeAsync(WorkerRun run, IReadOnlyList<Partition> partitions, CancellationToken cancellationToken)
    {
        var store = run.Store;
        var runKey = run.RunKey;
        if (await store.GetRunAsync(runKey.Value, cancellationToken).ConfigureAwait(false) is { Status: RunStatus.Completed or RunStatus.CompletedWithDoubts } finished)
        {
            return await ResultAsync(run, partitions, finished.Status, null).ConfigureAwait(false); // another worker finalized it
        }

        if (await store.GetRunAsync(runKey.Value, cancellationToken).ConfigureAwait(false) is { CancelRequestedAt: not null } cancelled)
        {
            return await ResultAsync(run, partitions, RunStatus.Cancelled, CancelledError(runKey, cancelled)).ConfigureAwait(false);
        }

        var (lease, record) = await AcquireRunLeaseAsync(run, cancellationToken).ConfigureAwait(false);
        using var lost = new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lost.Token);
        using var guard = LeaseGuard.ForRun(store, lease, run.LeaseDuration, _job.TimeProvider, lost, _logger, _job.Name);
        var heartbeat = guard.RunAsync();
        var released = false;
        try
        {
            if (record.Status is RunStatus.Completed or RunStatus.CompletedWithDoubts)
            {
                await ReleaseAsync(store, lease, record, ref released).ConfigureAwait(false);
                return await ResultAsync(run, partitions, record.Status, null).ConfigureAwait(false);
            }

            if (record.CancelRequestedAt is not null)
            {
                // Cancelled before this worker could finalize: nothing is published, the run stays cancelled.
                await ReleaseAsync(store, lease, record, ref released).ConfigureAwait(false);
                return await ResultAsync(run, partitions, RunStatus.Cancelled, CancelledError(runKey, record)).ConfigureAwait(false);
            }

            var states = await store.GetPartitionStatesAsync(runKey.Value, linked.Token).ConfigureAwait(false);
            var barrier = _job.Pipeline.IsShuffled ? partitions.Count(StagingLayout.IsExtract) : 0;
            var gone = states.Select(s => s.LeaseOwner).OfType<string>().Distinct(StringComparer.Ordinal).Where(LocalProcessOwner.IsGone).ToArray();
            var failed = states.Where(s => s.Status == PartitionStatus.Failed && s.LeaseOwner is null).ToList();
            if (LiveHolders(run, states).Any() || (failed.Count == 0 && !IsSettled(run, states, barrier, gone)))
            {
                await ReleaseAsync(store, lease, record, ref released).ConfigureAwait(false);
                return null;
            }

            if (failed.Count > 0)
            {
                var (status, error) = DescribeFailures(run, partitions, failed);
                await store.SetRunStatusAsync(lease, status, error.Message, release: true, CancellationToken.None).ConfigureAwait(false);
                released = true;
                return await ResultAsync(run, partitions, status, error).ConfigureAwait(false);
            }

            if (states.Any(s => s.Status != PartitionStatus.Completed))
            {
                await ReleaseAsync(store, lease, record, ref released).ConfigureAwait(false);
                return null;
            }

            var totals = await TotalsAsync(store, runKey, partitions, null).ConfigureAwait(false);
            ThrowIfBelowMinimum(runKey, totals.RecordsRead);
            ErrorRate.ThrowIfExceeded(_job, totals.RecordsRead, totals.Errors, final: true);
            await run.Recorder.GateAsync(partitions, totals.InDoubt > 0 ? RunStatus.CompletedWithDoubts : RunStatus.Completed, totals, _job.TimeProvider.GetElapsedTime(run.Started), linked.Token).ConfigureAwait(false);
            await _job.Pipeline.CompleteRunAsync(new RunCompletionContext(runKey, partitions) { Fence = guard.Token }, linked.Token).ConfigureAwait(false);
            var completed = totals.InDoubt > 0 ? RunStatus.CompletedWithDoubts : RunStatus.Completed;
            var doubts = totals.InDoubt > 0
                ? $"{totals.InDoubt} record(s) have side effects in doubt: resolve them with ResolveInDoubtEffectAsync and run again."
                : null;
            await guard.Token.EnsureHeldAsync(linked.Token).ConfigureAwait(false);
            await store.SetRunStatusAsync(lease, completed, doubts, release: true, CancellationToken.None).ConfigureAwait(false);
            released = true;
            DeleteStaging(runKey, run.StagingRoot);
            if (totals.InDoubt > 0)
            {
                Log.RunCompletedWithDoubts(_logger, _job.Name, runKey, totals.InDoubt);
            }

            return await ResultAsync(run, partitions, completed, null).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (guard.Lost)
        {
            throw RunLeaseLost(runKey, "finalizing");
        }
        catch (LeaseLostException)
        {
            Log.LeaseLost(_logger, _job.Name, runKey);
            throw;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw; // the lease is released below; the caller records the cancellation or timeout
        }
        catch (Exception ex)
        {
            // Publishing, the minimum-record or the error-rate check failed, or a sink raised a cancellation of its own:
            // the run is resumable once the cause is fixed.
            await store.SetRunStatusAsync(lease, RunStatus.Failed, ex.GetType().Name + ": " + ex.Message, release: true, CancellationToken.None).ConfigureAwait(false);
            released = true;
            return await ResultAsync(run, partitions, RunStatus.Failed, ex).ConfigureAwait(false);
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
    /// The run's status and error for failed partitions: timed out when every failure was a partition timeout, failed
    /// otherwise. An exceeded error rate is the run's error as it is; other failures are summed up in a
    /// <see cref="PartitionFailedException"/> naming the first failed partition, with the exception this worker saw, or
    /// the stored error when another worker ran it.
    /// </summary>
    private (RunStatus Status, Exception Error) DescribeFailures(WorkerRun run, IReadOnlyList<Partition> partitions, List<PartitionState> failed)
    {
        var local = run.Failures.ToArray();
        if (local.Select(f => f.Exception).OfType<ErrorRateExceededException>().FirstOrDefault() is { } rate)
        {
            return (RunStatus.Failed, rate);
        }

        var status = FailureClassifier.RunStatusOf(failed);
        var index = partitions.Select((p, i) => (p.Id, i)).ToDictionary(x => x.Id, x => x.i, StringComparer.Ordinal);
        var first = failed.OrderBy(s => index.GetValueOrDefault(s.PartitionId, int.MaxValue)).First();
        var seen = local.FirstOrDefault(f => string.Equals(f.Partition.Id, first.PartitionId, StringComparison.Ordinal));
        var cause = seen?.Exception ?? new PartitionFailedException(first.LastError ?? "failed in an earlier run") { JobName = _job.Name, PartitionId = first.PartitionId };
        var transient = local.All(f => FailureClassifier.IsRetryable(f.Exception));
        var error = new PartitionFailedException(
            $"The job '{_job.Name}' run {run.RunKey}: {failed.Count} partition(s) failed; first: partition '{first.PartitionId}' after {first.Attempts} attempt(s): {cause.Message}",
            cause) { JobName = _job.Name, PartitionId = first.PartitionId, IsTransient = transient };
        return (status, error);
    }
}
