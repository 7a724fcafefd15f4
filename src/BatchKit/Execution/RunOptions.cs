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
}
