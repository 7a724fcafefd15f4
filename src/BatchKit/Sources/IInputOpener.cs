namespace BatchKit;

/// <summary>
/// Opens the input a partition names for reading: a local file path (<see cref="LocalFileOpener"/>, the default of the
/// file sources) or an object URI such as <c>s3://bucket/key</c> (an object store adapter). Sources that resume by byte
/// offset or read a file's footer first (JSON Lines, CSV, Parquet) read through it, so they read object storage the same
/// way they read files.
/// </summary>
public interface IInputOpener
{
    /// <summary>Opens an input for reading.</summary>
    /// <param name="location">The file path or object URI, as the partition's descriptor names it.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A readable, seekable stream positioned at 0, whose <see cref="Stream.Length"/> is the input's size; the caller disposes it.</returns>
    /// <remarks>
    /// Sources read the stream with <see cref="Stream.ReadAsync(Memory{byte}, CancellationToken)"/> and move it with
    /// <see cref="Stream.Seek"/> or <see cref="Stream.Position"/>; an implementation need not support synchronous reads.
    /// Error messages of a missing input name <paramref name="location"/>.
    /// </remarks>
    ValueTask<Stream> OpenReadAsync(string location, CancellationToken cancellationToken);
}
