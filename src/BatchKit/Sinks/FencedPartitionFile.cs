using System.Globalization;

namespace BatchKit;

/// <summary>
/// The output file of one partition attempt, written under an epoch-scoped temporary name and renamed into place only
/// while the attempt holds its lease. File sinks use it so that a process which lost its lease can never delete,
/// truncate or overwrite output that a later epoch owns or has published.
/// </summary>
/// <remarks>
/// <para>
/// The attempt writes <c>&lt;final&gt;.e&lt;epoch&gt;.partial</c> and nothing else. A resumed attempt (a newer epoch)
/// never reopens an older epoch's file, which a paused process may still hold open: it copies the committed prefix
/// (<see cref="SinkContext.ResumePosition"/> bytes) into its own file: the sink's resume truncation, which removes the
/// output past the last checkpoint before writing resumes. Opening fails with
/// <see cref="LeaseLostException"/> when a later epoch's file exists. <see cref="PublishAsync"/> flushes the file to disk,
/// confirms the lease with <see cref="FencingToken.EnsureHeldAsync"/> and renames the file over the final name in one
/// <c>rename</c> call; older epochs' files are then removed.
/// </para>
/// <para>
/// Residual window: a process paused between the lease confirmation and the rename (microseconds, unless the pause lands
/// exactly there) that wakes after a later epoch published renames its own file over the published one. Its file is a
/// complete, flushed output of the same partition of the same frozen plan, so with a deterministic pipeline the
/// content is the same; it differs only if the run was reprocessed with changed input during the pause.
/// </para>
/// <para>Not thread-safe: one attempt writes one file.</para>
/// </remarks>
public sealed class FencedPartitionFile : IAsyncDisposable
{
    private const string PartialSuffix = ".partial";
    private readonly FencingToken _fence;
    private FileStream? _stream;

    private FencedPartitionFile(string finalPath, FencingToken fence, FileStream stream)
    {
        FinalPath = finalPath;
        _fence = fence;
        _stream = stream;
        PartialPath = PartialPathOf(finalPath, fence.Epoch);
    }

    /// <summary>Gets the path the file is published at.</summary>
    public string FinalPath { get; }

    /// <summary>Gets the path of this attempt's epoch-scoped file.</summary>
    public string PartialPath { get; }

    /// <summary>Gets the stream to write to, positioned at the end of the committed output.</summary>
    /// <exception cref="ObjectDisposedException">The file was published or disposed.</exception>
    public FileStream Stream => _stream ?? throw new ObjectDisposedException(nameof(FencedPartitionFile));

    /// <summary>Opens the attempt's file: empty for a fresh start, or holding the committed prefix for a resume.</summary>
    /// <param name="context">The sink context: its resume position and fencing token.</param>
    /// <param name="finalPath">The path to publish at.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The open file.</returns>
    /// <exception cref="LeaseLostException">The token has expired, or a later epoch writes this partition.</exception>
    /// <exception cref="InvalidDataException">No file holds the committed prefix (output was changed outside BatchKit).</exception>
    public static async ValueTask<FencedPartitionFile> OpenAsync(SinkContext context, string finalPath, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentException.ThrowIfNullOrEmpty(finalPath);
        var fence = context.Fence;
        fence.ThrowIfExpired();
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(finalPath))!);
        var epochs = PartialsOf(finalPath);
        var later = epochs.Where(e => e.Epoch > fence.Epoch).Select(e => e.Epoch).DefaultIfEmpty().Max();
        if (later > 0)
        {
            throw new LeaseLostException($"The output '{finalPath}' is being written by epoch {later}, later than this attempt's {fence}; this attempt stops without touching it.");
        }

        var stream = await DiscardAfterCheckpointAsync(context, finalPath, epochs, cancellationToken).ConfigureAwait(false);
        stream.Position = stream.Length;
        return new FencedPartitionFile(finalPath, fence, stream);
    }

    /// <summary>
    /// Resume truncation: removes the output past the last checkpoint before writing resumes. Invariant: the returned
    /// stream is this epoch's own file holding exactly the first <see cref="SinkContext.ResumePosition"/> bytes of the
    /// partition's output (none without a resume position); anything an earlier attempt, or this one before a failed
    /// write, wrote past the checkpoint is gone from it.
    /// </summary>
    /// <remarks>
    /// Only this epoch's own file is ever shortened (<c>SetLength</c>); an older epoch's file, which a paused process may
    /// still hold open, is only read: its committed prefix is copied. A crash during it leaves this epoch's file
    /// incomplete, and the next attempt (a later epoch) truncates again from the older files, so it is idempotent.
    /// </remarks>
    private static async ValueTask<FileStream> DiscardAfterCheckpointAsync(
        SinkContext context, string finalPath, IReadOnlyList<(string Path, long Epoch)> epochs, CancellationToken cancellationToken)
    {
        var fence = context.Fence;
        var own = PartialPathOf(finalPath, fence.Epoch);
        var resume = context.ResumePosition ?? 0;
        if (context.ResumePosition is null || resume == 0)
        {
            return Create(own);
        }

        if (File.Exists(own) && new FileInfo(own).Length >= resume)
        {
            // This epoch's own file, reopened after a failed write: only this attempt writes it.
            var reopened = new FileStream(own, FileMode.Open, FileAccess.Write, FileShare.Read, 1 << 16);
            reopened.SetLength(resume);
            return reopened;
        }

        var source = epochs.Where(e => e.Epoch < fence.Epoch).OrderByDescending(e => e.Epoch).Select(e => e.Path)
            .Append(finalPath)
            .FirstOrDefault(p => File.Exists(p) && new FileInfo(p).Length >= resume)
            ?? throw new InvalidDataException(
                $"No file holds the {resume} bytes that the last checkpoint of '{finalPath}' recorded (looked at {string.Join(", ", epochs.Select(e => $"'{e.Path}' ({new FileInfo(e.Path).Length} bytes)").Append($"'{finalPath}'"))}); the output was changed outside BatchKit. Reprocess the run.");
        var stream = Create(own);
        await using (var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, useAsync: false))
        {
            await CopyPrefixAsync(input, stream, resume, cancellationToken).ConfigureAwait(false);
        }

        stream.Flush(flushToDisk: true);
        return stream;
    }

    /// <summary>Removes a partition's published file and every epoch's partial file, once the lease is confirmed.</summary>
    /// <param name="context">The sink context; its fencing token is confirmed first.</param>
    /// <param name="finalPath">The published path.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the files are gone.</returns>
    /// <exception cref="LeaseLostException">The lease was lost.</exception>
    public static async ValueTask RemoveAsync(SinkContext context, string finalPath, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        await context.Fence.EnsureHeldAsync(cancellationToken).ConfigureAwait(false);
        foreach (var (path, _) in PartialsOf(finalPath))
        {
            File.Delete(path);
        }

        File.Delete(finalPath);
    }

    /// <summary>Flushes what was written to disk.</summary>
    /// <returns>The file's length: the sink position to store with the checkpoint.</returns>
    public long Commit()
    {
        var stream = Stream;
        stream.Flush(flushToDisk: true);
        return stream.Length;
    }

    /// <summary>
    /// Flushes and closes the file, confirms the lease, and renames the file over <see cref="FinalPath"/>. Idempotent: a
    /// repeated call after a successful publish does nothing.
    /// </summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the file is published.</returns>
    /// <exception cref="LeaseLostException">The lease was lost; nothing was published.</exception>
    public async ValueTask PublishAsync(CancellationToken cancellationToken)
    {
        if (_stream is { } stream)
        {
            stream.Flush(flushToDisk: true);
            await stream.DisposeAsync().ConfigureAwait(false);
            _stream = null;
        }

        if (!File.Exists(PartialPath))
        {
            return;
        }

        await _fence.EnsureHeldAsync(cancellationToken).ConfigureAwait(false);
        File.Move(PartialPath, FinalPath, overwrite: true);
        foreach (var (path, epoch) in PartialsOf(FinalPath))
        {
            if (epoch < _fence.Epoch)
            {
                File.Delete(path);
            }
        }
    }

    /// <summary>Closes the file without publishing it; it stays on disk for a resume.</summary>
    /// <returns>A task that completes when the file is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_stream is { } stream)
        {
            _stream = null;
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static string PartialPathOf(string finalPath, long epoch) => $"{finalPath}.e{epoch.ToString(CultureInfo.InvariantCulture)}{PartialSuffix}";

    private static FileStream Create(string path) => new(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);

    private static List<(string Path, long Epoch)> PartialsOf(string finalPath)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(finalPath))!;
        var prefix = Path.GetFileName(finalPath) + ".e";
        var found = new List<(string, long)>();
        if (!Directory.Exists(directory))
        {
            return found;
        }

        foreach (var path in Directory.EnumerateFiles(directory, prefix + "*" + PartialSuffix))
        {
            var name = Path.GetFileName(path);
            var digits = name.AsSpan(prefix.Length, name.Length - prefix.Length - PartialSuffix.Length);
            if (long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var epoch))
            {
                found.Add((path, epoch));
            }
        }

        return found;
    }

    private static async Task CopyPrefixAsync(Stream input, Stream output, long length, CancellationToken cancellationToken)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            var left = length;
            while (left > 0)
            {
                var n = await input.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    throw new InvalidDataException($"The file ended after {length - left} of the {length} committed bytes.");
                }

                await output.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                left -= n;
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
