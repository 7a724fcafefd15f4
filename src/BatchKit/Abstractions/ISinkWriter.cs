namespace BatchKit;

/// <summary>Writes the chunks of one partition attempt.</summary>
/// <typeparam name="T">The record type.</typeparam>
/// <remarks>Used by one task at a time; not thread-safe.</remarks>
public interface ISinkWriter<T> : IAsyncDisposable
{
    /// <summary>Writes a chunk of records.</summary>
    /// <param name="records">The records; the memory is reused once the call returns, so copy what must outlive it.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the records have been accepted.</returns>
    ValueTask WriteAsync(ReadOnlyMemory<T> records, CancellationToken cancellationToken);

    /// <summary>
    /// Makes everything written so far durable and returns the sink's position. The executor stores the position
    /// in the checkpoint it writes next; a resumed partition receives it as <see cref="SinkContext.ResumePosition"/>.
    /// </summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The sink-defined position (for example the byte length of a file), or 0 when the sink has none.</returns>
    ValueTask<long> CommitAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Publishes the partition's output once every chunk has been committed (rename a file, swap a slice). Publishing
    /// is conditional on <see cref="SinkContext.Fence"/>: a writer whose lease was lost must not publish.
    /// </summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the output is published.</returns>
    /// <remarks>Must be idempotent: a crash after it but before the partition is marked completed repeats it.</remarks>
    ValueTask CompleteAsync(CancellationToken cancellationToken);
}
