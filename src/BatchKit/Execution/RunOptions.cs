namespace BatchKit;

/// <summary>Options of one call to <see cref="JobRunner.RunAsync(RunParameters, RunOptions?, CancellationToken)"/>.</summary>
public sealed class RunOptions
{
    /// <summary>Gets or sets a value indicating whether a completed run is processed again from scratch.</summary>
    /// <value>The default value is <see langword="false"/>: running a completed RunKey does nothing.</value>
    public bool Reprocess { get; set; }

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
