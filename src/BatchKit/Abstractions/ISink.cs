namespace BatchKit;

/// <summary>Writes the records of a job.</summary>
/// <typeparam name="T">The record type.</typeparam>
public interface ISink<T>
{
    /// <summary>Gets how the sink makes writes idempotent.</summary>
    WriteDisposition Disposition { get; }

    /// <summary>
    /// Opens a writer for one partition attempt. Opening must not delete, truncate or move output that another epoch
    /// may own or has published: write to storage scoped by <see cref="FencingToken.Epoch"/> (or check the epoch in the
    /// storage's own transaction), and touch shared output only in <see cref="ISinkWriter{T}.CompleteAsync"/>.
    /// </summary>
    /// <param name="context">The run, the partition, and the sink position saved with the partition's last checkpoint.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The writer.</returns>
    ValueTask<ISinkWriter<T>> OpenAsync(SinkContext context, CancellationToken cancellationToken);
}
