namespace BatchKit;

/// <summary>
/// A deterministic slice of a job's input. The same input and run parameters always produce the same partitions,
/// with the same <see cref="Id"/> and <see cref="Descriptor"/>.
/// </summary>
/// <param name="Index">The zero-based position of the partition in its plan.</param>
/// <param name="Id">
/// The stable identifier of the partition, unique within a run, derived from what it reads and never from its position
/// (for example <c>hash-0007</c>, or <c>2026-11-22_events-01</c> for a file; see <see cref="PartitionIds"/>).
/// </param>
/// <param name="Descriptor">
/// The partitioner-defined description of the slice that a source interprets to read it
/// (see <see cref="PartitionDescriptor"/>), for example <c>rows:0:100000</c> or <c>file:/data/events-01.parquet</c>.
/// </param>
public sealed record Partition(int Index, string Id, string Descriptor)
{
    /// <summary>Gets the identity of the input the partition reads, recorded in the frozen plan.</summary>
    /// <value>
    /// The default value is <see langword="null"/>: the input is identified by the job definition alone (row or key ranges,
    /// hash buckets). File partitioners set it with <see cref="BatchKit.InputIdentity.OfFile"/>; a resumed run re-checks the
    /// identity of every partition that is not completed and fails with <see cref="PlanMismatchException"/> when it changed.
    /// </value>
    public string? InputIdentity { get; init; }
}
