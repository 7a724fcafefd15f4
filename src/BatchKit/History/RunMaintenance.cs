namespace BatchKit;

/// <summary>
/// The changes a person decides for a finished run, made through the <see cref="ICheckpointStore"/> contract: the
/// <c>batchkit</c> CLI and the dashboard both call these.
/// </summary>
public static class RunMaintenance
{
    /// <summary>The run lease a maintenance change holds while it writes; it is released at once after.</summary>
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Marks a run's failed partitions pending again, keeping their checkpoints, so the next run of its job with the
    /// same parameters resumes them.
    /// </summary>
    /// <param name="store">The state store holding the run.</param>
    /// <param name="runKey">The run's RunKey hash.</param>
    /// <param name="owner">Who makes the change, recorded as the run lease's owner while it is held (such as <c>batchkit-cli/host/pid</c>).</param>
    /// <param name="cancellationToken">Cancels the change before the run lease is taken.</param>
    /// <returns>The ids of the partitions that were made pending; empty when the run had no failed partition (then nothing is written).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="store"/>, <paramref name="runKey"/> or <paramref name="owner"/> is <see langword="null"/>.</exception>
    /// <exception cref="KeyNotFoundException">No run with <paramref name="runKey"/> is in the store.</exception>
    /// <exception cref="InvalidOperationException">The run's parameter text cannot be parsed back into its RunKey (a value holds ';' or '=').</exception>
    /// <exception cref="RunLeaseConflictException">A live worker holds the run's lease (it is joining or finishing the run); try again after.</exception>
    /// <remarks>
    /// The change takes the run's lease (refused while a live worker holds it; the epoch bump fences any process that
    /// still thinks it owns the run), reopens each failed partition that no worker holds with
    /// <see cref="ICheckpointStore.ReopenPartitionAsync"/>, writes the run's status back unchanged and releases the lease.
    /// A crash in between leaves some partitions pending and the lease to expire: calling it again finishes the change.
    /// </remarks>
    public static async Task<IReadOnlyList<string>> RetryFailedPartitionsAsync(ICheckpointStore store, string runKey, string owner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(runKey);
        ArgumentNullException.ThrowIfNull(owner);
        var run = await store.GetRunAsync(runKey, cancellationToken).ConfigureAwait(false)
            ?? throw new KeyNotFoundException($"No run with the RunKey '{runKey}' is in the state store.");
        var failed = (await store.GetPartitionStatesAsync(run.RunKey, cancellationToken).ConfigureAwait(false))
            .Where(s => s.Status == PartitionStatus.Failed && s.LeaseOwner is null)
            .Select(s => s.PartitionId)
            .ToList();
        if (failed.Count == 0)
        {
            return failed;
        }

        var (lease, current) = await store.AcquireRunAsync(RunKeyOf(run), owner, LeaseDuration, cancellationToken).ConfigureAwait(false);
        foreach (var partitionId in failed)
        {
            await store.ReopenPartitionAsync(lease, partitionId, clearCheckpoint: false, CancellationToken.None).ConfigureAwait(false);
        }

        await store.SetRunStatusAsync(lease, current.Status, current.LastError, release: true, CancellationToken.None).ConfigureAwait(false);
        return failed;
    }

    /// <summary>
    /// Cancels a run that has not completed: records a cancellation request in the state store and marks the run
    /// <see cref="RunStatus.Cancelled"/>. Every worker of the run, in any process sharing the store, claims no more
    /// partitions and stops its running ones at their next chunk boundary (what was in flight is committed, fenced, and
    /// the partitions are left pending and resumable); each returns a <see cref="RunResult"/> with status
    /// <see cref="RunStatus.Cancelled"/>.
    /// </summary>
    /// <param name="store">The state store holding the run.</param>
    /// <param name="runKey">The run's RunKey hash.</param>
    /// <param name="owner">Who cancels (such as <c>batchkit-cli/host/pid</c> or a dashboard user), recorded as <see cref="RunRecord.CancelRequestedBy"/>.</param>
    /// <param name="cancellationToken">Cancels the change before the run lease is taken.</param>
    /// <returns>The run after the change (or as it was, when it was already cancelled by a request: then nothing is written).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="store"/>, <paramref name="runKey"/> or <paramref name="owner"/> is <see langword="null"/>.</exception>
    /// <exception cref="KeyNotFoundException">No run with <paramref name="runKey"/> is in the store.</exception>
    /// <exception cref="InvalidOperationException">The run completed (or completed with doubts): there is nothing to cancel; the message says so.</exception>
    /// <exception cref="RunLeaseConflictException">A live worker held the run's lease (to join or finalize the run) for the whole of a few seconds; try again.</exception>
    /// <remarks>
    /// <para>
    /// The change takes the run's lease, so it is ordered with a worker's finalization: either the run completed first
    /// (and the cancel is refused) or the cancel is recorded first (and no worker publishes or completes the run). The
    /// request stays until a rerun resumes the run explicitly (<see cref="RunOptions.ResumeCancelled"/>,
    /// <see cref="WorkerOptions.ResumeCancelled"/>); any other join of the run returns <see cref="RunStatus.Cancelled"/> at
    /// once, so a worker that is restarted, or one that was paused while the cancel was issued, does not undo it.
    /// </para>
    /// <para>
    /// Workers notice the request when they poll the store between claims (every lease duration / 20, at most a second)
    /// and at once when they try to claim (a claim of a cancelled run returns nothing); a partition stops at the end of
    /// the chunk it is processing. A worker that is not running at all (crashed, paused) holds its partitions until its
    /// lease expires; the run is cancelled all the same.
    /// </para>
    /// </remarks>
    public static async Task<RunRecord> CancelRunAsync(ICheckpointStore store, string runKey, string owner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(runKey);
        ArgumentNullException.ThrowIfNull(owner);
        var run = await store.GetRunAsync(runKey, cancellationToken).ConfigureAwait(false)
            ?? throw new KeyNotFoundException($"No run with the RunKey '{runKey}' is in the state store.");
        ThrowIfCompleted(run);
        if (run.CancelRequestedAt is not null)
        {
            return run;
        }

        var key = RunKeyOf(run);
        var (lease, current) = await AcquireWithRetryAsync(store, key, owner, cancellationToken).ConfigureAwait(false);
        if (current.Status is RunStatus.Completed or RunStatus.CompletedWithDoubts)
        {
            await store.SetRunStatusAsync(lease, current.Status, current.LastError, release: true, CancellationToken.None).ConfigureAwait(false);
            ThrowIfCompleted(current);
        }

        if (current.CancelRequestedAt is not null)
        {
            await store.SetRunStatusAsync(lease, current.Status, current.LastError, release: true, CancellationToken.None).ConfigureAwait(false);
            return current;
        }

        await store.SetCancelRequestAsync(lease, owner, CancellationToken.None).ConfigureAwait(false);
        await store.SetRunStatusAsync(lease, RunStatus.Cancelled, $"Cancelled by {owner}; the partitions stopped at a chunk boundary and resume when the run is run again with ResumeCancelled.", release: true, CancellationToken.None).ConfigureAwait(false);
        return (await store.GetRunAsync(runKey, CancellationToken.None).ConfigureAwait(false))!;
    }

    /// <summary>Records what was found downstream for an effect in doubt: it happened (never repeat it) or did not (the next run performs it).</summary>
    /// <param name="store">The state store holding the run.</param>
    /// <param name="runKey">The run's RunKey hash.</param>
    /// <param name="key">The effect's idempotency key.</param>
    /// <param name="happened"><see langword="true"/> when the effect was found downstream.</param>
    /// <param name="cancellationToken">Cancels the change.</param>
    /// <returns>The number of the run's effects still in doubt after the change.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="store"/>, <paramref name="runKey"/> or <paramref name="key"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">The effect is not in doubt (unknown, or already resolved).</exception>
    public static async Task<int> ResolveInDoubtEffectAsync(ICheckpointStore store, string runKey, string key, bool happened, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(runKey);
        ArgumentNullException.ThrowIfNull(key);
        await store.ResolveInDoubtEffectAsync(runKey, key, happened, cancellationToken).ConfigureAwait(false);
        return (await store.ListInDoubtEffectsAsync(runKey, cancellationToken).ConfigureAwait(false)).Count;
    }

    private static void ThrowIfCompleted(RunRecord run)
    {
        if (run.Status is RunStatus.Completed or RunStatus.CompletedWithDoubts)
        {
            throw new InvalidOperationException(
                $"The run {run.RunKey[..Math.Min(12, run.RunKey.Length)]} of '{run.JobName}' is {run.Status}"
                + (run.EndedAt is { } ended ? $" (ended {ended:O})" : string.Empty)
                + "; a completed run cannot be cancelled."
                + (run.Status == RunStatus.CompletedWithDoubts ? " Resolve its in-doubt effects instead." : " Reprocess it to run it again."));
        }
    }

    // The run lease is held by a worker only while it joins or finalizes the run: wait a few seconds for it.
    private static async Task<(RunLease Lease, RunRecord Run)> AcquireWithRetryAsync(ICheckpointStore store, RunKey key, string owner, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await store.AcquireRunAsync(key, owner, LeaseDuration, cancellationToken).ConfigureAwait(false);
            }
            catch (RunLeaseConflictException) when (attempt < 50)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Rebuilds a run's <see cref="RunKey"/> from its job name and parameter text, checking that it hashes to the stored key.</summary>
    /// <param name="run">The stored run.</param>
    /// <returns>The run's key.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="run"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">The parameter text does not hash back to the stored key (a value holds ';' or '=').</exception>
    public static RunKey RunKeyOf(RunRecord run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var values = new List<KeyValuePair<string, object?>>();
        foreach (var pair in run.Parameters.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            values.Add(equals < 0 ? new(pair, string.Empty) : new(pair[..equals], pair[(equals + 1)..]));
        }

        var key = new RunKey(run.JobName, RunParameters.From(values));
        return key.Value == run.RunKey
            ? key
            : throw new InvalidOperationException(
                $"The run {run.RunKey[..Math.Min(12, run.RunKey.Length)]} of '{run.JobName}' has parameters ({run.Parameters}) whose text cannot be parsed back (a value holds ';' or '='); change it from code with the job's RunParameters.");
    }
}
