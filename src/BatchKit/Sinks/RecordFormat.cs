namespace BatchKit;

/// <summary>
/// Describes a file format that records are written in, and writes it to any forward-only stream: the format half of an
/// object sink, whose storage half (an object store adapter such as BatchKit.S3) uploads the stream and publishes it
/// fenced. The format packages provide one each (BatchKit.Parquet, BatchKit.Csv), so an object store adapter needs no
/// reference to their libraries and a format package none to the object store's.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
/// <remarks>
/// A format is configured once and then read-only and thread-safe: each partition attempt gets its own
/// <see cref="RecordFormatWriter{T}"/>, which writes one whole object from its first record.
/// </remarks>
public abstract class RecordFormat<T>
{
    /// <summary>Gets the extension of the objects written in this format, with its leading dot (<c>.parquet</c>).</summary>
    public abstract string FileExtension { get; }

    /// <summary>Gets the media type of the objects written in this format (<c>text/csv</c>).</summary>
    public abstract string ContentType { get; }

    /// <summary>Starts writing one object in this format to a stream.</summary>
    /// <param name="output">
    /// The stream: writable, possibly not seekable (<see cref="Stream.CanSeek"/> is <see langword="false"/>) and without
    /// <see cref="Stream.Length"/>; its <see cref="Stream.Position"/> may only be read, and tells the bytes written so far.
    /// The writer never disposes it.
    /// </param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The writer; the caller disposes it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="output"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="output"/> is not writable.</exception>
    public ValueTask<RecordFormatWriter<T>> CreateWriterAsync(Stream output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (!output.CanWrite)
        {
            throw new ArgumentException($"Expected a writable stream to write {FileExtension} records to, found a read-only {output.GetType().Name}.", nameof(output));
        }

        return CreateWriterCoreAsync(output, cancellationToken);
    }

    /// <summary>Starts writing one object in this format to a writable stream (the arguments were validated).</summary>
    /// <param name="output">The writable stream; see <see cref="CreateWriterAsync"/>.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The writer.</returns>
    protected abstract ValueTask<RecordFormatWriter<T>> CreateWriterCoreAsync(Stream output, CancellationToken cancellationToken);
}
