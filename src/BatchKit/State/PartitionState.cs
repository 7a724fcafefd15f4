namespace BatchKit;

/// <summary>The persisted state of a partition.</summary>
/// <param name="PartitionId">The partition id.</param>
/// <param name="Status">The status.</param>
/// <param name="Attempts">How many attempts were started.</param>
/// <param name="LastError">The error of the last failed attempt, if any.</param>
/// <param name="UpdatedAt">When the state last changed.</param>
public sealed record PartitionState(string PartitionId, PartitionStatus Status, int Attempts, string? LastError, DateTimeOffset UpdatedAt)
{
    /// <summary>Gets the owner of the partition's lease, or <see langword="null"/> when no worker holds it.</summary>
    /// <value>Set by the store when it reads the state; ignored when the state is written.</value>
    public string? LeaseOwner { get; init; }

    /// <summary>Gets the epoch of the partition's last lease (0 before the first claim).</summary>
    /// <value>Set by the store when it reads the state; ignored when the state is written.</value>
    public long LeaseEpoch { get; init; }

    /// <summary>Gets when the partition's lease expires unless renewed, or <see langword="null"/> when no worker holds it.</summary>
    /// <value>Set by the store when it reads the state; ignored when the state is written.</value>
    public DateTimeOffset? LeaseExpiresAt { get; init; }
}
