namespace BatchKit;

/// <summary>What a worker asks for when it claims a partition with <see cref="ICheckpointStore.ClaimPartitionAsync"/>.</summary>
/// <param name="RunKey">The RunKey hash.</param>
/// <param name="Owner">The identity of the claiming worker.</param>
/// <param name="LeaseDuration">How long the partition lease lasts without renewal.</param>
public sealed record PartitionClaim(string RunKey, string Owner, TimeSpan LeaseDuration)
{
    /// <summary>
    /// Gets the owners whose unexpired partition leases may be taken over at once, because the caller knows they are
    /// gone (processes of its host that no longer run).
    /// </summary>
    /// <value>The default value is empty: only expired leases are taken over.</value>
    public IReadOnlyCollection<string> GoneOwners { get; init; } = [];

    /// <summary>
    /// Gets the number of workers that share the run by index (a Kubernetes Indexed Job's completion count), or 0 when
    /// workers do not split the plan by index.
    /// </summary>
    /// <value>The default value is 0.</value>
    public int WorkerCount { get; init; }

    /// <summary>
    /// Gets the index of the claiming worker among <see cref="WorkerCount"/>: partitions whose plan position modulo
    /// <see cref="WorkerCount"/> equals it are claimed first; the others are taken only when none of those is left.
    /// </summary>
    /// <value>The default value is 0.</value>
    public int WorkerIndex { get; init; }
}
