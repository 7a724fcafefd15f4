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
