namespace BatchKit;

/// <summary>What happened in a run, from <see cref="RunHistory"/>.</summary>
/// <param name="RunKey">The RunKey hash.</param>
/// <param name="JobName">The job.</param>
/// <param name="Parameters">The canonical text of the run parameters.</param>
/// <param name="Status">The run's status.</param>
/// <param name="StartedAt">When the run was first started.</param>
/// <param name="EndedAt">When it last ended, if it has.</param>
/// <param name="Attempts">How many times it was started.</param>
public sealed record RunSummary(string RunKey, string JobName, string Parameters, RunStatus Status, DateTimeOffset StartedAt, DateTimeOffset? EndedAt, int Attempts)
{
    /// <summary>Gets how long the run's attempts took together (from history), or from first start to last end when the store keeps no history; <see langword="null"/> while unknown.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>Gets the records read, bad ones included (from the checkpoints).</summary>
    public long RecordsRead { get; init; }

    /// <summary>Gets the records written to the sink.</summary>
    public long RecordsWritten { get; init; }

    /// <summary>Gets the error records.</summary>
    public long Errors { get; init; }

    /// <summary>Gets the records whose side effect is in doubt.</summary>
    public long InDoubt { get; init; }

    /// <summary>Gets the number of partitions in the plan.</summary>
    public int Partitions { get; init; }

    /// <summary>Gets the number of completed partitions.</summary>
    public int PartitionsCompleted { get; init; }

    /// <summary>Gets the number of failed partitions.</summary>
    public int PartitionsFailed { get; init; }

    /// <summary>
    /// Gets the number of partitions reconciled after the run first completed, over all its attempts: partitions whose
    /// input changed, appeared or vanished late (<see cref="RunOptions.ReprocessChangedInput"/>).
    /// </summary>
    public int PartitionsReconciled { get; init; }

    /// <summary>
    /// Gets the late-arrival rate: <see cref="PartitionsReconciled"/> over <see cref="Partitions"/> (0 when the plan is empty).
    /// A rate of 0.25 says a quarter of the run's partitions had input that arrived or changed after it completed.
    /// </summary>
    public double LateArrivalRate => Partitions == 0 ? 0 : (double)PartitionsReconciled / Partitions;

    /// <summary>Gets the error that ended the last attempt, if any.</summary>
    public string? Error { get; init; }

    /// <summary>Gets the process that ran the last attempt (or holds the lease now), if known.</summary>
    public string? Owner { get; init; }

    /// <summary>Gets the SLA results of the last attempt that recorded any.</summary>
    public IReadOnlyList<SlaResult> SlaResults { get; init; } = [];
}
