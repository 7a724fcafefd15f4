namespace BatchKit;

/// <summary>A run as stored in the checkpoint store.</summary>
/// <param name="RunKey">The RunKey hash (<see cref="BatchKit.RunKey.Value"/>).</param>
/// <param name="JobName">The job name.</param>
/// <param name="Parameters">The canonical text of the run parameters.</param>
/// <param name="Status">The status.</param>
/// <param name="StartedAt">When the run was first started.</param>
/// <param name="EndedAt">When the run last ended, if it has.</param>
/// <param name="Attempts">How many times the run was started.</param>
/// <param name="LastError">The error that ended the last attempt, if any.</param>
/// <param name="LeaseOwner">The process holding the run lease, if any.</param>
/// <param name="LeaseEpoch">The lease epoch, increased at every takeover.</param>
/// <param name="LeaseExpiresAt">When the current lease expires unless renewed.</param>
public sealed record RunRecord(
    string RunKey,
    string JobName,
    string Parameters,
    RunStatus Status,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    int Attempts,
    string? LastError,
    string? LeaseOwner,
    long LeaseEpoch,
    DateTimeOffset? LeaseExpiresAt);

/// <summary>The lease a process holds on a run. Every state write carries it and fails if the lease was lost.</summary>
/// <param name="RunKey">The RunKey hash.</param>
/// <param name="Owner">The holder's identity (host, process id and a random suffix).</param>
/// <param name="Epoch">The epoch of this lease; a takeover increases it and fences out older holders.</param>
public sealed record RunLease(string RunKey, string Owner, long Epoch);

/// <summary>The persisted, frozen partition plan of a run.</summary>
/// <param name="Fingerprint">The SHA-256 (hex) of <see cref="Definition"/>: the job definition and run parameters the plan was made with.</param>
/// <param name="Partitions">The partitions, with their input identities.</param>
public sealed record PartitionPlan(string Fingerprint, IReadOnlyList<Partition> Partitions)
{
    /// <summary>Gets the job definition the plan was made with, one <c>name: value</c> line per element (stages, partitioner, partition count, shuffle, sink, parameters).</summary>
    /// <value>The default value is the empty string: a plan frozen before definitions were recorded, which is not compared.</value>
    public string Definition { get; init; } = string.Empty;
}

/// <summary>The persisted state of a partition.</summary>
/// <param name="PartitionId">The partition id.</param>
/// <param name="Status">The status.</param>
/// <param name="Attempts">How many attempts were started.</param>
/// <param name="LastError">The error of the last failed attempt, if any.</param>
/// <param name="UpdatedAt">When the state last changed.</param>
public sealed record PartitionState(string PartitionId, PartitionStatus Status, int Attempts, string? LastError, DateTimeOffset UpdatedAt);

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

/// <summary>An error record before it is stored: what went wrong with one input record.</summary>
/// <param name="Step">The step that rejected the record (<see cref="ErrorRecord.SourceStepName"/> for unreadable input).</param>
/// <param name="Offset">The record's offset in the partition: its ordinal, or the source position of unreadable input.</param>
/// <param name="RawPayload">The record as text.</param>
/// <param name="Reason">Why the record was rejected.</param>
/// <param name="Exception">The exception, if one was raised.</param>
public sealed record ErrorRecordDraft(string Step, long Offset, string RawPayload, string Reason, Exception? Exception);

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

/// <summary>Selects error records.</summary>
/// <param name="RunKey">The RunKey hash.</param>
/// <param name="PartitionId">Only this partition, when set.</param>
/// <param name="Reason">Only reasons containing this text, when set.</param>
/// <param name="Limit">The maximum number of records to return.</param>
public sealed record ErrorQuery(string RunKey, string? PartitionId = null, string? Reason = null, int Limit = 1000);

/// <summary>The outcome of claiming an idempotency key.</summary>
public enum ClaimOutcome
{
    /// <summary>The key was new: perform the effect, then confirm.</summary>
    Claimed,

    /// <summary>The effect was confirmed by an earlier attempt: skip it.</summary>
    AlreadyConfirmed,

    /// <summary>An earlier attempt claimed the key and never confirmed it: the effect may or may not have happened.</summary>
    InDoubt,
}

/// <summary>An idempotency key that was claimed and never confirmed.</summary>
/// <param name="RunKey">The RunKey hash.</param>
/// <param name="Key">The idempotency key.</param>
/// <param name="PartitionId">The partition that claimed it.</param>
/// <param name="ClaimedAt">When it was claimed.</param>
public sealed record InDoubtEffect(string RunKey, string Key, string PartitionId, DateTimeOffset ClaimedAt);
