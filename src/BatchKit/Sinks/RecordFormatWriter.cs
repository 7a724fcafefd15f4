namespace BatchKit;

/// <summary>
/// Writes the records of one object in a <see cref="RecordFormat{T}"/> to a forward-only stream: a header (if the format
/// has one) when created, the records as they arrive, and the trailer (a Parquet footer) when finished.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
/// <remarks>
/// Used by one task at a time; not thread-safe. The writer buffers at most what its format needs (a Parquet row group,
/// a CSV write buffer): the stream receives bytes as the buffers fill, so an uploading stream can send them on with
/// bounded memory. Writing never seeks or reads the stream. An object is complete only after
/// <see cref="FinishAsync"/>; a writer disposed before that leaves a truncated object, which the caller discards.
/// </remarks>
public abstract class RecordFormatWriter<T> : IAsyncDisposable
{
    private bool _finished;

    /// <summary>Gets a value indicating whether <see cref="FinishAsync"/> has written the whole object.</summary>
    public bool IsFinished => _finished;

    /// <summary>Writes records.</summary>
    /// <param name="records">The records; the memory is reused once the call returns.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the records were accepted (written to the stream or buffered).</returns>
    /// <exception cref="InvalidOperationException">The object was already finished.</exception>
    public ValueTask WriteAsync(ReadOnlyMemory<T> records, CancellationToken cancellationToken)
    {
        if (_finished)
        {
            throw new InvalidOperationException($"The {GetType().Name} already finished its object; no more records can be written.");
        }

        return WriteCoreAsync(records, cancellationToken);
    }

    /// <summary>Writes what is still buffered and the format's trailer to the stream, and flushes it; the object is then whole.</summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when every byte of the object was written to the stream.</returns>
    /// <remarks>Calling it again does nothing.</remarks>
    public async ValueTask FinishAsync(CancellationToken cancellationToken)
    {
        if (_finished)
        {
            return;
        }

        await FinishCoreAsync(cancellationToken).ConfigureAwait(false);
        _finished = true;
    }

    /// <summary>Releases the writer's buffers; the stream is not disposed.</summary>
    /// <returns>A task that completes when the writer is disposed.</returns>
    public async ValueTask DisposeAsync()
    {
        await DisposeAsyncCore().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    /// <summary>Writes records to the stream or the format's buffers.</summary>
    /// <param name="records">The records.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the records were accepted.</returns>
    protected abstract ValueTask WriteCoreAsync(ReadOnlyMemory<T> records, CancellationToken cancellationToken);

    /// <summary>Writes what is buffered and the trailer, and flushes the stream; called once.</summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the object is whole.</returns>
    protected abstract ValueTask FinishCoreAsync(CancellationToken cancellationToken);

    /// <summary>Releases the format's buffers; what it may still write to the stream belongs to an unfinished object, which the caller discards.</summary>
    /// <returns>A task that completes when the writer is released.</returns>
    protected virtual ValueTask DisposeAsyncCore() => ValueTask.CompletedTask;
}
