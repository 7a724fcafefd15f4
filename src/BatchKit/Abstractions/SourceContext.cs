namespace BatchKit;

/// <summary>Describes the partition a source is asked to open, and receives the bad records it finds.</summary>
public sealed class SourceContext
{
    private readonly Action<ErrorRecordDraft>? _onBadRecord;

    /// <summary>Initializes a new instance of the <see cref="SourceContext"/> class.</summary>
    /// <param name="runKey">The run.</param>
    /// <param name="partition">The partition to read.</param>
    /// <param name="position">The position to start at: 0 for the start, or a <see cref="ISourceReader{T}.Position"/> saved by a checkpoint.</param>
    /// <param name="onBadRecord">Receives input the source cannot turn into a record; <see langword="null"/> to throw instead.</param>
    public SourceContext(RunKey runKey, Partition partition, long position, Action<ErrorRecordDraft>? onBadRecord = null)
    {
        ArgumentNullException.ThrowIfNull(runKey);
        ArgumentNullException.ThrowIfNull(partition);
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        RunKey = runKey;
        Partition = partition;
        Position = position;
        _onBadRecord = onBadRecord;
    }

    /// <summary>Gets the run.</summary>
    public RunKey RunKey { get; }

    /// <summary>Gets the partition to read.</summary>
    public Partition Partition { get; }

    /// <summary>Gets the position to start at.</summary>
    public long Position { get; }

    /// <summary>
    /// Reports input that cannot be turned into a record (a malformed line, an unparsable value). The record is
    /// skipped and stored as an error record with the next committed chunk; nothing is lost.
    /// </summary>
    /// <param name="offset">The source position of the bad input (line number, row number or byte offset); unique within the partition.</param>
    /// <param name="rawPayload">The raw input, as text.</param>
    /// <param name="reason">What was expected and what was found.</param>
    /// <param name="exception">The exception raised while parsing, if any.</param>
    /// <exception cref="InvalidDataException">The context has no receiver for bad records.</exception>
    public void ReportBadRecord(long offset, string rawPayload, string reason, Exception? exception = null)
    {
        var draft = new ErrorRecordDraft(ErrorRecord.SourceStepName, offset, rawPayload, reason, exception);
        if (_onBadRecord is null)
        {
            throw new InvalidDataException($"Partition '{Partition.Id}' at offset {offset}: {reason}", exception);
        }

        _onBadRecord(draft);
    }
}
