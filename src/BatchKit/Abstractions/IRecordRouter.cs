namespace BatchKit;

/// <summary>
/// Routes single records to a partition. Partitioners that implement it can be used for shuffled partitioning, where
/// the partition key is not how the input is laid out.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
public interface IRecordRouter<in T>
{
    /// <summary>Gets the number of partitions records are routed to.</summary>
    int PartitionCount { get; }

    /// <summary>Gets the index of the partition a record belongs to.</summary>
    /// <param name="record">The record.</param>
    /// <returns>A value in <c>[0, PartitionCount)</c>, the same for the same record in every process.</returns>
    int Route(T record);
}
