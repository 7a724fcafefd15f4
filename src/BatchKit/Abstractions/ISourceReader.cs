namespace BatchKit;

/// <summary>A forward-only reader over one partition of a source.</summary>
/// <typeparam name="T">The record type.</typeparam>
/// <remarks>Readers are used by one task at a time and need not be thread-safe.</remarks>
public interface ISourceReader<T> : IAsyncDisposable
{
    /// <summary>
    /// Gets the source-defined position just after the last record returned by <see cref="ReadAsync"/>. Opening the
    /// same partition at this position continues with the next record. Sources define the unit: a row number, a byte
    /// offset, a key.
    /// </summary>
    long Position { get; }

    /// <summary>Reads up to <paramref name="buffer"/>'s length of records.</summary>
    /// <param name="buffer">The buffer to fill.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The number of records read; 0 at the end of the partition.</returns>
    ValueTask<int> ReadAsync(Memory<T> buffer, CancellationToken cancellationToken);
}
