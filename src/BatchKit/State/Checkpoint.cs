namespace BatchKit;

/// <summary>The durable progress of a partition, written after each committed chunk.</summary>
/// <param name="PartitionId">The partition id.</param>
/// <param name="Step">The stage that committed (the sink's name).</param>
/// <param name="SourcePosition">The source position to resume reading at.</param>
/// <param name="RecordsRead">Records read from the source so far, including bad ones; the ordinal of the next record.</param>
/// <param name="RecordsWritten">Records written to the sink so far.</param>
/// <param name="ErrorCount">Error records so far.</param>
/// <param name="SinkPosition">The position the sink returned from its last commit.</param>
/// <param name="UpdatedAt">When the checkpoint was written.</param>
public sealed record Checkpoint(
    string PartitionId,
    string Step,
    long SourcePosition,
    long RecordsRead,
    long RecordsWritten,
    long ErrorCount,
    long SinkPosition,
    DateTimeOffset UpdatedAt)
{
    /// <summary>
    /// Gets or initializes the number of records so far whose side effect is in doubt (see
    /// <see cref="RunStatus.CompletedWithDoubts"/>); they were neither written nor counted as errors.
    /// </summary>
    public long InDoubtCount { get; init; }
}
