namespace BatchKit;

/// <summary>Opens local files (<see cref="IInputOpener"/>): the default of the JSON Lines, CSV and Parquet sources.</summary>
/// <remarks>Files are opened for asynchronous, sequential reading and shared with writers and deleters. Thread-safe.</remarks>
public sealed class LocalFileOpener : IInputOpener
{
    private LocalFileOpener()
    {
    }

    /// <summary>Gets the instance.</summary>
    public static LocalFileOpener Instance { get; } = new();

    /// <inheritdoc/>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public ValueTask<Stream> OpenReadAsync(string location, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(location);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult<Stream>(new FileStream(location, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.SequentialScan | FileOptions.Asynchronous));
    }
}
