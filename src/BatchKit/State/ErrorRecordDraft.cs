namespace BatchKit;

/// <summary>An error record before it is stored: what went wrong with one input record.</summary>
/// <param name="Step">The step that rejected the record (<see cref="ErrorRecord.SourceStepName"/> for unreadable input).</param>
/// <param name="Offset">The record's offset in the partition: its ordinal, or the source position of unreadable input.</param>
/// <param name="RawPayload">The record as text.</param>
/// <param name="Reason">Why the record was rejected.</param>
/// <param name="Exception">The exception, if one was raised.</param>
public sealed record ErrorRecordDraft(string Step, long Offset, string RawPayload, string Reason, Exception? Exception);
