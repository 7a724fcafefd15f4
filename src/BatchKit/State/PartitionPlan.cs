namespace BatchKit;

/// <summary>The persisted, frozen partition plan of a run.</summary>
/// <param name="Fingerprint">The SHA-256 (hex) of <see cref="Definition"/>: the job definition and run parameters the plan was made with.</param>
/// <param name="Partitions">The partitions, with their input identities.</param>
public sealed record PartitionPlan(string Fingerprint, IReadOnlyList<Partition> Partitions)
{
    /// <summary>Gets the job definition the plan was made with, one <c>name: value</c> line per element (stages, partitioner, partition count, shuffle, sink, parameters).</summary>
    /// <value>The default value is the empty string: a plan frozen before definitions were recorded, which is not compared.</value>
    public string Definition { get; init; } = string.Empty;

    /// <summary>
    /// Gets the number of leading partitions of <see cref="Partitions"/> that must all be
    /// <see cref="PartitionStatus.Completed"/> before any later partition can be claimed: the extract partitions of a
    /// shuffled job, whose staging the later (target) partitions read. The store enforces it in
    /// <see cref="ICheckpointStore.ClaimPartitionAsync"/>.
    /// </summary>
    /// <value>The default value is 0: no barrier.</value>
    public int Barrier { get; init; }
}
