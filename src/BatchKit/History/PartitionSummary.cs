namespace BatchKit;

/// <summary>What happened to one partition of a run, from <see cref="RunHistory"/>.</summary>
/// <param name="PartitionId">The partition id.</param>
/// <param name="Status">Its status.</param>
/// <param name="Attempts">How many attempts were started.</param>
public sealed record PartitionSummary(string PartitionId, PartitionStatus Status, int Attempts)
{
    /// <summary>Gets when its first recorded attempt started, if the store keeps history.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>Gets when its last recorded attempt ended, if it did.</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>Gets how long its recorded attempts took together.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>Gets the records read (from its checkpoint).</summary>
    public long RecordsRead { get; init; }

    /// <summary>Gets the records written.</summary>
    public long RecordsWritten { get; init; }

    /// <summary>Gets the error records.</summary>
    public long Errors { get; init; }

    /// <summary>Gets the records whose side effect is in doubt.</summary>
    public long InDoubt { get; init; }

    /// <summary>Gets the error of its last failed attempt.</summary>
    public string? Error { get; init; }

    /// <summary>Gets the process that ran its last recorded attempt.</summary>
    public string? Owner { get; init; }

    /// <summary>Gets the time of its last state change.</summary>
    public DateTimeOffset UpdatedAt { get; init; }
}
