namespace BatchKit;

/// <summary>
/// The checkpoint of one chunk, handed to a <see cref="ICheckpointingSinkWriter{T}"/> so the sink writes it in the
/// transaction that commits the chunk: the store it belongs to, the partition lease that fences it, the checkpoint and
/// the chunk's error records.
/// </summary>
/// <param name="Store">The job's checkpoint store, which the writer said it can write to (<see cref="ICheckpointingSinkWriter{T}.CanCommitCheckpointsOf"/>).</param>
/// <param name="Lease">The partition lease; the write must be refused, rolling the chunk back, when it no longer holds the partition.</param>
/// <param name="Checkpoint">The checkpoint, whose <see cref="Checkpoint.SinkPosition"/> the writer replaces with the position it commits (<see cref="At"/>).</param>
/// <param name="Errors">The error records of the chunk, stored with the checkpoint.</param>
public sealed record ChunkCheckpoint(ICheckpointStore Store, PartitionLease Lease, Checkpoint Checkpoint, IReadOnlyList<ErrorRecord> Errors)
{
    /// <summary>Returns the checkpoint with the sink position the writer commits.</summary>
    /// <param name="sinkPosition">The position the writer's commit returns.</param>
    /// <returns>The checkpoint to write.</returns>
    public Checkpoint At(long sinkPosition) => Checkpoint with { SinkPosition = sinkPosition };
}
