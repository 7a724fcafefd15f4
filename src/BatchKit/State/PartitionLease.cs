namespace BatchKit;

/// <summary>
/// The lease a worker holds on one partition of a run, taken with <see cref="ICheckpointStore.ClaimPartitionAsync"/>.
/// Every write made for the partition (its state, checkpoints, error records, side-effect claims) carries it, and the
/// store refuses the write with <see cref="LeaseLostException"/> once the lease was taken over. Owner and epoch are the
/// partition's fencing token (<see cref="SinkContext.Fence"/>): sinks key their fences by (run, partition) and epoch.
/// </summary>
/// <param name="RunKey">The RunKey hash.</param>
/// <param name="PartitionId">The partition id.</param>
/// <param name="Owner">The holder's identity (host, process id, process start and a random suffix).</param>
/// <param name="Epoch">
/// The epoch of this lease: every claim of the partition increases it, and it never decreases for a (run, partition),
/// not even when the run is reset and planned again, so a higher epoch always wins.
/// </param>
public sealed record PartitionLease(string RunKey, string PartitionId, string Owner, long Epoch);
