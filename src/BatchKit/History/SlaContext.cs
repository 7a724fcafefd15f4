namespace BatchKit;

/// <summary>What an SLA objective is evaluated on: the run at the end of an attempt.</summary>
/// <param name="RunKey">The run.</param>
/// <param name="Status">The status the run is about to end with.</param>
/// <param name="Partitions">The run's partitions (the extract partitions of shuffled jobs included).</param>
/// <param name="EvaluatedAt">When the evaluation happens: the run's end.</param>
public sealed record SlaContext(RunKey RunKey, RunStatus Status, IReadOnlyList<Partition> Partitions, DateTimeOffset EvaluatedAt)
{
    /// <summary>Gets the records the run read, bad ones included.</summary>
    public long RecordsRead { get; init; }

    /// <summary>Gets the records the run wrote to the sink.</summary>
    public long RecordsWritten { get; init; }

    /// <summary>Gets the run's error records.</summary>
    public long Errors { get; init; }

    /// <summary>Gets the run's records whose side effect is in doubt.</summary>
    public long InDoubt { get; init; }

    /// <summary>Gets how long the run's attempts took together, this one included.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>Gets the number of partitions that are not completed.</summary>
    public int PendingPartitions { get; init; }
}
