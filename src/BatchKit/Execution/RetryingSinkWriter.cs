namespace BatchKit;

/// <summary>
/// Writes a partition's chunks through the sink retry policy. A failed write or commit disposes the writer and
/// reopens it at the last committed sink position before the chunk is written again, so a retried chunk is
/// written once. Atomic partitions are not retried chunk by chunk: their attempt fails and the partition restarts.
/// Every call first checks the attempt's fencing token locally (self-fencing) and, when the lease is older than it may
/// be, confirms it with the store, so a process that was paused past its lease and taken over stops before its next
/// write; the sink checks the token again before anything destructive or publishing.
/// </summary>
internal sealed class RetryingSinkWriter<T>(ISink<T> sink, PartitionRuntime runtime, long? resumePosition, bool atomic) : IAsyncDisposable
{
    private ISinkWriter<T>? _writer;
    private long? _committed = resumePosition;

    public long Position => _committed ?? 0;

    /// <summary>
    /// Gets a value indicating whether the sink commits each chunk's checkpoint in the chunk's transaction
    /// (<see cref="ICheckpointingSinkWriter{T}"/> over the job's store); decided once, when the writer is opened.
    /// </summary>
    public bool CommitsCheckpoints { get; private set; }

    public async ValueTask OpenAsync(CancellationToken cancellationToken)
    {
        await runtime.Fence.EnsureCurrentAsync(cancellationToken).ConfigureAwait(false); // self-fencing: a process that slept past its lease stops before it writes
        if (atomic)
        {
            _writer = await sink.OpenAsync(new SinkContext(runtime.RunKey, runtime.Partition, null) { Fence = runtime.Fence }, cancellationToken).ConfigureAwait(false);
            _committed = null;
            return;
        }

        await runtime.SinkRetry.ExecuteAsync(async t => await EnsureOpenAsync(t).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        CommitsCheckpoints = _writer is ICheckpointingSinkWriter<T> checkpointing && checkpointing.CanCommitCheckpointsOf(runtime.Store);
    }

    /// <summary>Writes and commits a chunk; with <paramref name="checkpoint"/> (only when <see cref="CommitsCheckpoints"/>), its checkpoint in the same transaction.</summary>
    public async ValueTask WriteAndCommitAsync(ReadOnlyMemory<T> records, ChunkCheckpoint? checkpoint, CancellationToken cancellationToken)
    {
        await runtime.Fence.EnsureCurrentAsync(cancellationToken).ConfigureAwait(false); // self-fencing: a process that slept past its lease stops before it writes
        if (atomic)
        {
            // An atomic partition restarts from its first record after any failure: committing each chunk buys nothing.
            await _writer!.WriteAsync(records, cancellationToken).ConfigureAwait(false);
            return;
        }

        await runtime.SinkRetry.ExecuteAsync(
            async t =>
            {
                try
                {
                    var writer = await EnsureOpenAsync(t).ConfigureAwait(false);
                    await runtime.Fence.EnsureCurrentAsync(t).ConfigureAwait(false);
                    await writer.WriteAsync(records, t).ConfigureAwait(false);
                    _committed = checkpoint is null
                        ? await writer.CommitAsync(t).ConfigureAwait(false)
                        : await CheckpointingWriter(writer).CommitAsync(checkpoint, t).ConfigureAwait(false);
                }
                catch (Exception) when (!t.IsCancellationRequested)
                {
                    await DisposeWriterAsync().ConfigureAwait(false);
                    throw;
                }
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Commits what an atomic partition wrote (chunks are not committed one by one); returns the sink position.</summary>
    public async ValueTask<long> CommitFinalAsync(CancellationToken cancellationToken)
    {
        await runtime.Fence.EnsureCurrentAsync(cancellationToken).ConfigureAwait(false); // self-fencing: a process that slept past its lease stops before it writes
        if (atomic)
        {
            _committed = await _writer!.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        return Position;
    }

    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        await runtime.Fence.EnsureCurrentAsync(cancellationToken).ConfigureAwait(false); // self-fencing: a process that slept past its lease stops before it writes
        if (atomic)
        {
            await _writer!.CompleteAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        await runtime.SinkRetry.ExecuteAsync(
            async t =>
            {
                try
                {
                    var writer = await EnsureOpenAsync(t).ConfigureAwait(false);
                    await runtime.Fence.EnsureCurrentAsync(t).ConfigureAwait(false);
                    await writer.CompleteAsync(t).ConfigureAwait(false);
                }
                catch (Exception) when (!t.IsCancellationRequested)
                {
                    await DisposeWriterAsync().ConfigureAwait(false);
                    throw;
                }
            },
            cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => DisposeWriterAsync();

    // A writer reopened after a failure must keep committing checkpoints the way the attempt started: the store holds
    // no separate checkpoint for the chunks it committed.
    private ICheckpointingSinkWriter<T> CheckpointingWriter(ISinkWriter<T> writer) =>
        writer is ICheckpointingSinkWriter<T> checkpointing && checkpointing.CanCommitCheckpointsOf(runtime.Store)
            ? checkpointing
            : throw new BatchKitException($"The sink {sink.GetType().Name} of job '{runtime.RunKey.JobName}' committed the checkpoints of partition '{runtime.Partition.Id}' with its chunks, but a reopened writer of it cannot.")
            {
                JobName = runtime.RunKey.JobName,
                PartitionId = runtime.Partition.Id,
                IsTransient = false,
            };

    private async ValueTask<ISinkWriter<T>> EnsureOpenAsync(CancellationToken cancellationToken) =>
        _writer ??= await sink.OpenAsync(new SinkContext(runtime.RunKey, runtime.Partition, _committed) { Fence = runtime.Fence }, cancellationToken).ConfigureAwait(false);

    private ValueTask DisposeWriterAsync()
    {
        var abandoned = _writer;
        _writer = null;
        return QuietDispose.DisposeAsync(abandoned);
    }
}
