namespace BatchKit;

/// <summary>
/// A deterministic slice of a job's input. The same input and run parameters always produce the same partitions,
/// with the same <see cref="Id"/> and <see cref="Descriptor"/>.
/// </summary>
/// <param name="Index">The zero-based position of the partition in its plan.</param>
/// <param name="Id">The stable identifier of the partition, unique within a run (for example <c>hash-0007</c>).</param>
/// <param name="Descriptor">
/// The partitioner-defined description of the slice that a source interprets to read it
/// (see <see cref="PartitionDescriptor"/>), for example <c>rows:0:100000</c> or <c>file:/data/events-01.parquet</c>.
/// </param>
public sealed record Partition(int Index, string Id, string Descriptor);
