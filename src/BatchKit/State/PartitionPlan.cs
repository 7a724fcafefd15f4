namespace BatchKit;

/// <summary>The persisted, frozen partition plan of a run.</summary>
/// <param name="Fingerprint">The SHA-256 (hex) of <see cref="Definition"/>: the job definition and run parameters the plan was made with.</param>
/// <param name="Partitions">The partitions, with their input identities.</param>
public sealed record PartitionPlan(string Fingerprint, IReadOnlyList<Partition> Partitions)
{
    /// <summary>Gets the job definition the plan was made with, one <c>name: value</c> line per element (stages, partitioner, partition count, shuffle, sink, parameters).</summary>
    /// <value>The default value is the empty string: a plan frozen before definitions were recorded, which is not compared.</value>
    public string Definition { get; init; } = string.Empty;
}
