namespace BatchKit;

/// <summary>One attempt of one partition.</summary>
/// <param name="RunKey">The RunKey hash.</param>
/// <param name="PartitionId">The partition id.</param>
/// <param name="Attempt">The partition's attempt number (1 for the first).</param>
/// <param name="Owner">The process that ran it (see <see cref="RunAttempt.Owner"/>).</param>
/// <param name="Epoch">The lease epoch it held.</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="EndedAt">When it ended; <see langword="null"/> while it runs, or when its process stopped first.</param>
/// <param name="Status">The status it ended with (<see cref="PartitionStatus.Running"/> until then).</param>
public sealed record PartitionAttempt(
    string RunKey,
    string PartitionId,
    int Attempt,
    string Owner,
    long Epoch,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    PartitionStatus Status)
{
    /// <summary>Gets the partition's records read when the attempt ended (committed work of earlier attempts included).</summary>
    public long RecordsRead { get; init; }

    /// <summary>Gets the partition's records written when the attempt ended.</summary>
    public long RecordsWritten { get; init; }

    /// <summary>Gets the partition's error records when the attempt ended.</summary>
    public long Errors { get; init; }

    /// <summary>Gets the partition's records in doubt when the attempt ended.</summary>
    public long InDoubt { get; init; }

    /// <summary>Gets the error of a failed attempt.</summary>
    public string? Error { get; init; }

    /// <summary>Gets how long the attempt took, or <see langword="null"/> when its end was not recorded.</summary>
    public TimeSpan? Duration => EndedAt - StartedAt;
}
