namespace BatchKit;

/// <summary>A stored error record: an input record that failed validation or a step, and was skipped.</summary>
/// <param name="RunKey">The RunKey hash.</param>
/// <param name="PartitionId">The partition id.</param>
/// <param name="Step">The step that rejected the record.</param>
/// <param name="Offset">The record's offset in the partition.</param>
/// <param name="RawPayload">The record as text.</param>
/// <param name="Reason">Why the record was rejected.</param>
/// <param name="ExceptionType">The exception type, if any.</param>
/// <param name="ExceptionMessage">The exception message, if any.</param>
/// <param name="OccurredAt">When the record was rejected.</param>
public sealed record ErrorRecord(
    string RunKey,
    string PartitionId,
    string Step,
    long Offset,
    string RawPayload,
    string Reason,
    string? ExceptionType,
    string? ExceptionMessage,
    DateTimeOffset OccurredAt)
{
    /// <summary>The step name of records the source could not read.</summary>
    public const string SourceStepName = "source";

    /// <summary>The step name of records rejected by validation.</summary>
    public const string ValidationStepName = "validate";
}
