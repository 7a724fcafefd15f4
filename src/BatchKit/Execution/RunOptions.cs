namespace BatchKit;

/// <summary>Options of one call to <see cref="JobRunner.RunAsync(RunParameters, RunOptions?, CancellationToken)"/>.</summary>
public sealed class RunOptions
{
    /// <summary>Gets or sets a value indicating whether a completed run is processed again from scratch.</summary>
    /// <value>The default value is <see langword="false"/>: running a completed RunKey does nothing.</value>
    public bool Reprocess { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether a completed run whose input changed since it completed (late-arriving data)
    /// reprocesses the partitions whose input changed, and only those.
    /// </summary>
    /// <value>The default value is <see langword="false"/>: a completed RunKey does nothing whatever its input became.</value>
    /// <remarks>
    /// <para>
    /// The call plans the run again and compares each partition's input identity (<see cref="Partition.InputIdentity"/>:
    /// a file's size, modification time and content identity; an object's ETag) with the frozen plan's. When nothing
    /// changed, it does nothing, like a run that is already completed. Otherwise, under the run lease: partitions whose
    /// input changed go back to pending from their first record, partitions whose input appeared are added, the output of
    /// partitions whose input vanished is removed (fenced), and the frozen plan takes the new identities, in one store
    /// transaction; then the reopened partitions run under new epochs and the run is finalized again. Unchanged
    /// partitions are not touched. Each reprocessed partition's output is replaced when it completes, so the run's output
    /// is what one clean run over the new input would give.
    /// </para>
    /// <para>
    /// It needs a sink that replaces a partition's output when the partition runs again: one that publishes one output per
    /// partition (<see cref="IPartitionOutputRemover"/>: JSON Lines, CSV, Parquet, S3) or whose disposition is
    /// <see cref="WriteDisposition.ReplacePartition"/>. Any other sink (<see cref="WriteDisposition.Append"/> to a table,
    /// <see cref="WriteDisposition.Upsert"/>, which cannot remove the records a changed input no longer holds) and a shuffled
    /// job (one input partition feeds every target partition) fail at once with <see cref="JobValidationException"/>. A
    /// vanished input needs an <see cref="IPartitionOutputRemover"/>; otherwise the call fails with
    /// <see cref="PlanMismatchException"/> and changes nothing. A changed job definition is never reconciled
    /// (<see cref="PlanMismatchException"/>): use <see cref="Reprocess"/>. A run that is not completed is run as usual.
    /// </para>
    /// </remarks>
    public bool ReprocessChangedInput { get; set; }

    /// <summary>Gets or sets a value indicating whether the run's partitions that failed in an earlier call are attempted again.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool RetryFailedPartitions { get; set; } = true;

    /// <summary>Gets or sets what receives the run's progress while the call runs: a <see cref="RunProgress"/> every <see cref="ProgressInterval"/>, and a final one.</summary>
    /// <value>The default value is <see langword="null"/>: no progress is reported (and nothing is tracked for it).</value>
    /// <remarks>
    /// <see cref="IProgress{T}.Report"/> is called on a pool thread, one call at a time, in order; the final snapshot
    /// (<see cref="RunProgress.IsFinal"/>) is the last call and comes before the call to
    /// <see cref="JobRunner.RunAsync(RunParameters, RunOptions?, CancellationToken)"/> returns or throws. Report should
    /// return quickly (it delays the next snapshot, never the run); an exception it throws is logged and stops the
    /// reports of this call, never the run. Use an <see cref="IProgress{T}"/> that handles the value at once:
    /// <see cref="Progress{T}"/> posts to the thread pool (or the captured synchronization context), where its
    /// calls can run out of order and after the run returned.
    /// </remarks>
    public IProgress<RunProgress>? Progress { get; set; }

    /// <summary>Gets or sets the time between two reports to <see cref="Progress"/>.</summary>
    /// <value>The default value is one second.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero or negative.</exception>
    public TimeSpan ProgressInterval
    {
        get => _progressInterval;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero);
            _progressInterval = value;
        }
    }

    private TimeSpan _progressInterval = TimeSpan.FromSeconds(1);
    /// <summary>
    /// Gets or sets a value indicating whether a run cancelled by a request (<see cref="RunMaintenance.CancelRunAsync"/>)
    /// is resumed: the request is cleared and the run goes on from its checkpoints.
    /// </summary>
    /// <value>
    /// The default value is <see langword="false"/>: a cancelled run stays cancelled, and this call returns
    /// <see cref="RunStatus.Cancelled"/> at once without counting an attempt, so a restarted worker, a supervisor or a
    /// scheduler's catch-up does not undo a person's cancel. (A run stopped by a <see cref="CancellationToken"/> has no
    /// request and always resumes.)
    /// </value>
    public bool ResumeCancelled { get; set; }
}
