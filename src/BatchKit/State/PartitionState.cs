namespace BatchKit;

/// <summary>The persisted state of a partition.</summary>
/// <param name="PartitionId">The partition id.</param>
/// <param name="Status">The status.</param>
/// <param name="Attempts">How many attempts were started.</param>
/// <param name="LastError">The error of the last failed attempt, if any.</param>
/// <param name="UpdatedAt">When the state last changed.</param>
public sealed record PartitionState(string PartitionId, PartitionStatus Status, int Attempts, string? LastError, DateTimeOffset UpdatedAt);
