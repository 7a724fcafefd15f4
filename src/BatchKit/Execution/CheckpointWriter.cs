using System.Threading.Channels;

namespace BatchKit;

/// <summary>
/// Writes a partition's checkpoints in the background, in order, so the sink does not wait for the store after
/// every chunk. When the store is slower than the pipeline, queued checkpoints are coalesced: one transaction writes
/// the latest checkpoint with the error records of every chunk it covers. A checkpoint is only queued after its chunk
/// was committed by the sink, so a checkpoint never runs ahead of the output; it may lag behind it, which a resumed
/// partition repairs by reopening the sink at the older position.
/// </summary>
internal sealed class CheckpointWriter : IAsyncDisposable
{
    private readonly PartitionRuntime _runtime;
    private readonly Channel<(Checkpoint Checkpoint, List<ErrorRecordDraft>? Errors)> _queue =
        Channel.CreateBounded<(Checkpoint, List<ErrorRecordDraft>?)>(new BoundedChannelOptions(8) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });

    private readonly Task _loop;

    /// <summary>Starts the writer. Queued checkpoints are written even when the partition is cancelled: they belong to chunks the sink already committed, so a cancelled partition stops with its checkpoint up to date.</summary>
    public CheckpointWriter(PartitionRuntime runtime)
    {
        _runtime = runtime;
        _loop = Task.Run(RunAsync, CancellationToken.None);
    }

    /// <summary>
    /// Queues a checkpoint, waiting while the queue is full. A store failure of the background writer (a lost lease, a
    /// full disk) completes the queue, which ends a waiting or later call with that failure instead of leaving it
    /// waiting on a queue nobody reads.
    /// </summary>
    public async ValueTask EnqueueAsync(Checkpoint checkpoint, List<ErrorRecordDraft>? errors, CancellationToken cancellationToken)
    {
        try
        {
            await _queue.Writer.WriteAsync((checkpoint, errors), cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            await _loop.ConfigureAwait(false); // rethrows the store failure that stopped the writer
            throw new InvalidOperationException("The checkpoint writer stopped before the partition's last checkpoint was queued.");
        }
    }

    /// <summary>Waits until every queued checkpoint is durable.</summary>
    public async Task FlushAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        try
        {
            await _loop.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // the pipeline already reports the failure that stopped it
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private async Task RunAsync()
    {
        try
        {
            await WriteQueuedAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Wakes a sink blocked on the full queue: no checkpoint queued after a failed one may be written.
            _queue.Writer.TryComplete(ex);
            throw;
        }
    }

    private async Task WriteQueuedAsync()
    {
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            Checkpoint? latest = null;
            List<ErrorRecord>? errors = null;
            while (reader.TryRead(out var item))
            {
                latest = item.Checkpoint;
                if (item.Errors is { Count: > 0 })
                {
                    errors ??= [];
                    errors.AddRange(item.Errors.Select(_runtime.ToErrorRecord));
                }
            }

            await _runtime.Store.CommitChunkAsync(_runtime.Lease, latest!, (IReadOnlyList<ErrorRecord>?)errors ?? [], CancellationToken.None).ConfigureAwait(false);
            _runtime.Probe?.Checkpointed();
        }
    }
}
