namespace BatchKit;

/// <content>The claim loop of a worker: claiming partitions one at a time until the run is settled.</content>
public sealed partial class JobRunner
{
    /// <summary>
    /// Claims and runs partitions, up to <see cref="JobOptions.MaxParallelism"/> at once, until the run is settled for
    /// this worker: no partition is left to claim and no other live worker holds one (so a partition of a worker that
    /// dies is taken over here once its lease expires, or at once when that worker was a process of this host). The
    /// ledger decides what is claimable, the shuffle barrier included; no lock is held between claims.
    /// </summary>
    private async Task WorkAsync(WorkerRun run, IReadOnlyList<Partition> partitions, CancellationToken cancellationToken)
    {
        var store = run.Store;
        var time = _job.TimeProvider;
        var byId = partitions.ToDictionary(p => p.Id, StringComparer.Ordinal);
        var barrier = _job.Pipeline.IsShuffled ? partitions.Count(StagingLayout.IsExtract) : 0;
        var poll = TimeSpan.FromMilliseconds(Math.Clamp(run.LeaseDuration.TotalMilliseconds / 20, 50, 1000));
        run.SourceRetry ??= CreateRetry("source read");
        run.SinkRetry ??= CreateRetry("sink write");
        var inflight = new List<Task>();
        try
        {
            while (true)
            {
                await ObserveCancelRequestAsync(run, cancellationToken).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                var states = await store.GetPartitionStatesAsync(run.RunKey.Value, cancellationToken).ConfigureAwait(false);
                run.Progress?.Observe(states);
                var gone = states.Select(s => s.LeaseOwner).OfType<string>().Distinct(StringComparer.Ordinal)
                    .Where(o => !string.Equals(o, run.Owner, StringComparison.Ordinal) && LocalProcessOwner.IsGone(o)).ToArray();
                var claimed = false;
                while (!run.PermanentFailure && inflight.Count < _job.Options.MaxParallelism)
                {
                    var claim = new PartitionClaim(run.RunKey.Value, run.Owner, run.LeaseDuration)
                    {
                        GoneOwners = gone,
                        WorkerCount = run.Options.WorkerCount,
                        WorkerIndex = run.Options.WorkerIndex,
                    };
                    var lease = await store.ClaimPartitionAsync(claim, cancellationToken).ConfigureAwait(false);
                    if (lease is null)
                    {
                        break;
                    }

                    if (states.FirstOrDefault(s => s.PartitionId == lease.PartitionId) is { LeaseOwner: { } previous } && !string.Equals(previous, run.Owner, StringComparison.Ordinal))
                    {
                        Log.PartitionTakenOver(_logger, _job.Name, lease.PartitionId, previous, lease.Epoch);
                        CountTakeover("partition");
                    }

                    var attempts = states.FirstOrDefault(s => s.PartitionId == lease.PartitionId)?.Attempts ?? 0;
                    inflight.Add(RunClaimedAsync(run, partitions, byId[lease.PartitionId], lease, attempts, cancellationToken));
                    claimed = true;
                }

                if (inflight.Count == 0 && !claimed && IsSettled(run, states, barrier, gone))
                {
                    return;
                }

                var delay = Task.Delay(poll, time, cancellationToken);
                await Task.WhenAny(inflight.Append(delay)).ConfigureAwait(false);
                foreach (var done in inflight.Where(t => t.IsCompleted).ToList())
                {
                    inflight.Remove(done);
                    await done.ConfigureAwait(false); // only a cancellation of this worker escapes a partition task
                }
            }
        }
        finally
        {
            // On cancellation, every running partition stops at a chunk boundary and hands its partition back.
            foreach (var task in inflight)
            {
                try
                {
                    await task.ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }
    }

    /// <summary>
    /// Tells whether this worker has nothing left to do in the run: no partition is held by another live worker, and
    /// none is claimable (unless this worker stopped claiming after a failure that can never succeed). Target partitions
    /// behind a failed extract partition can never be claimed in this pass.
    /// </summary>
    private bool IsSettled(WorkerRun run, IReadOnlyList<PartitionState> states, int barrier, IReadOnlyCollection<string> gone)
    {
        var now = _job.TimeProvider.GetUtcNow();
        var blocked = barrier > 0 && states.Take(barrier).Any(s => s.Status == PartitionStatus.Failed && s.LeaseOwner is null);
        for (var i = 0; i < states.Count; i++)
        {
            var state = states[i];
            if (state.LeaseOwner is { } owner)
            {
                var live = state.LeaseExpiresAt > now && !gone.Contains(owner, StringComparer.Ordinal);
                if (live || !run.PermanentFailure)
                {
                    return false;
                }
            }
            else if (state.Status == PartitionStatus.Pending && !(i >= barrier && blocked) && !run.PermanentFailure)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Runs one claimed partition under its lease, renewed by a heartbeat; its fencing token guards every state and
    /// sink write of the partition. A lost lease stops the partition without writing: the worker that took it over owns
    /// it. Only a cancellation of this worker escapes, after the partition went back to pending.
    /// </summary>
    private async Task RunClaimedAsync(WorkerRun run, IReadOnlyList<Partition> partitions, Partition partition, PartitionLease lease, int attempts, CancellationToken cancellationToken)
    {
        await Task.Yield();
        using var lost = new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lost.Token);
        using var guard = LeaseGuard.ForPartition(run.Store, lease, run.LeaseDuration, _job.TimeProvider, lost, _logger, _job.Name);
        var heartbeat = guard.RunAsync();
        try
        {
            var context = new AttemptContext(run.Store, lease, guard.Token, run.RunKey, partitions, run.Counters, run.SourceRetry!, run.SinkRetry!, run.StagingRoot)
            {
                Progress = run.Progress?.For(partition.Id),
            };
            var failure = await RunWithAttemptsAsync(context, partition, attempts, linked.Token, cancellationToken).ConfigureAwait(false);
            run.CountProcessed();
            if (failure is not null)
            {
                run.Failures.Add(failure);
                if (!FailureClassifier.IsRetryable(failure.Exception))
                {
                    // A failure that can never succeed (schema, unsupported type, definition, error rate) would fail
                    // every partition the same way: claim no more; the run fails once it is settled.
                    run.StopClaiming();
                }
            }
        }
        catch (OperationCanceledException) when (guard.Lost && !cancellationToken.IsCancellationRequested)
        {
            Log.PartitionLeaseLost(_logger, null, _job.Name, partition.Id, lease.Epoch);
        }
        catch (LeaseLostException ex) when (!cancellationToken.IsCancellationRequested)
        {
            Log.PartitionLeaseLost(_logger, ex, _job.Name, partition.Id, lease.Epoch);
        }
        finally
        {
            await guard.StopAsync(heartbeat).ConfigureAwait(false);
        }
    }
}
