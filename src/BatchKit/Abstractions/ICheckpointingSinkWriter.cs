namespace BatchKit;

/// <summary>
/// A sink writer that can commit a chunk and the partition's checkpoint in one transaction, when the checkpoint store
/// lives in the same database as the output: a crash or a lost lease at any point leaves both or neither, so a chunk
/// is written exactly once instead of replayed onto idempotent output.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
/// <remarks>
/// The executor asks <see cref="CanCommitCheckpointsOf"/> once per partition attempt, after opening the writer. When the
/// answer is yes, it commits every chunk with <see cref="CommitAsync(ChunkCheckpoint, CancellationToken)"/> and writes no
/// separate checkpoint for it; otherwise it uses <see cref="ISinkWriter{T}.CommitAsync(CancellationToken)"/> and the
/// store. Atomic partitions (an aggregating step, <see cref="WriteDisposition.ReplacePartition"/>) do not use it.
/// </remarks>
public interface ICheckpointingSinkWriter<T> : ISinkWriter<T>
{
    /// <summary>Tells whether this writer can write checkpoints of <paramref name="store"/> in its own transactions.</summary>
    /// <param name="store">The job's checkpoint store.</param>
    /// <returns><see langword="true"/> when <see cref="CommitAsync(ChunkCheckpoint, CancellationToken)"/> may be used with it.</returns>
    bool CanCommitCheckpointsOf(ICheckpointStore store);

    /// <summary>
    /// Commits everything written so far and the checkpoint in one transaction, and returns the sink's position. The
    /// checkpoint written is <see cref="ChunkCheckpoint.At"/> that position, fenced by <see cref="ChunkCheckpoint.Lease"/>
    /// as <see cref="ICheckpointStore.CommitChunkAsync"/> fences it: when the lease no longer holds the partition the
    /// transaction rolls back and <see cref="LeaseLostException"/> is thrown.
    /// </summary>
    /// <param name="checkpoint">The chunk's checkpoint.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The sink-defined position, as <see cref="ISinkWriter{T}.CommitAsync(CancellationToken)"/> returns it.</returns>
    ValueTask<long> CommitAsync(ChunkCheckpoint checkpoint, CancellationToken cancellationToken);
}
