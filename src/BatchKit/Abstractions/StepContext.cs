namespace BatchKit;

/// <summary>Describes where a step runs: the run, the partition and the step.</summary>
public sealed class StepContext
{
    internal StepContext(RunKey runKey, Partition partition, string stepName, int attempt, ICheckpointStore store, PartitionLease lease)
    {
        Store = store;
        Lease = lease;
        RunKey = runKey;
        Partition = partition;
        StepName = stepName;
        Attempt = attempt;
    }

    internal ICheckpointStore Store { get; }

    internal PartitionLease Lease { get; }

    /// <summary>Gets the run.</summary>
    public RunKey RunKey { get; }

    /// <summary>Gets the partition.</summary>
    public Partition Partition { get; }

    /// <summary>Gets the step name.</summary>
    public string StepName { get; }

    /// <summary>Gets the attempt number of the partition, starting at 1.</summary>
    public int Attempt { get; }

    /// <summary>
    /// Gets the ordinal of the current record within the partition (for the first step, its position in the
    /// partition's input), stable across resumed attempts.
    /// </summary>
    public long Ordinal { get; internal set; }
}
