namespace BatchKit;

/// <summary>
/// The progress of one partition of a run at one moment: its status and what it has read, written, failed and left in
/// doubt so far (the work its earlier attempts committed included). Part of a <see cref="RunProgress"/>.
/// </summary>
public sealed record PartitionProgress
{
    /// <summary>Gets the zero-based position of the partition in the run's plan.</summary>
    public required int Index { get; init; }

    /// <summary>Gets the partition's id (<see cref="Partition.Id"/>); extract partitions of a shuffled job start with <c>extract-</c>.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the partition's status: as this worker runs it, or as the checkpoint store showed it when another worker does.</summary>
    public required PartitionStatus Status { get; init; }

    /// <summary>Gets a value indicating whether this worker is running the partition now.</summary>
    public bool IsLocal { get; init; }

    /// <summary>Gets the number of input records the partition has read, bad ones included.</summary>
    /// <remarks>
    /// It follows the partition's committed chunks. It can go back when a partition that restarts from its first record
    /// (an atomic partition: an aggregating step, or a sink that replaces partitions) is attempted again. A partition run
    /// by another worker shows its last checkpoint as this worker last read it.
    /// </remarks>
    public long RecordsRead { get; init; }

    /// <summary>Gets the number of records the partition has written to the sink (for an extract partition: routed to staging).</summary>
    public long RecordsWritten { get; init; }

    /// <summary>Gets the number of the partition's error records.</summary>
    public long Errors { get; init; }

    /// <summary>Gets the number of the partition's records whose side effect is in doubt.</summary>
    public long InDoubt { get; init; }

    /// <summary>Gets the number of input records the partition is planned to read, when the plan says it.</summary>
    /// <value>
    /// The length of a row range (<see cref="PartitionDescriptor.Rows"/>) partition; <see langword="null"/> for any other
    /// partition (files, objects, hash buckets, key and time ranges), whose size is known only once it is read.
    /// </value>
    public long? ExpectedRecords { get; init; }
}
