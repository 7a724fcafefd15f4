namespace BatchKit.Csv;

/// <summary>
/// Writes each partition of a run to its own CSV file, <c>&lt;directory&gt;/&lt;key&gt;=&lt;value&gt;/&lt;partition id&gt;.csv</c>
/// (one folder level per run parameter, see <see cref="OutputPaths"/>), exactly once across crashes and takeovers, and
/// published under the run's lease when the partition completes.
/// </summary>
/// <typeparam name="T">The record type; its public readable properties are the columns, in declaration order.</typeparam>
/// <remarks>
/// <para>
/// Rows go to the attempt's epoch-scoped file, <c>&lt;final name&gt;.e&lt;epoch&gt;.partial</c> (see
/// <see cref="FencedPartitionFile"/>). <see cref="ISinkWriter{T}.CommitAsync"/> flushes the file to disk and returns
/// its length. A resumed partition continues from that length: in its own epoch's file, or, after a takeover, in a new
/// file that starts with a copy of the committed prefix of the older epoch's file (or of the published file), which is
/// never truncated, moved or deleted, so a paused process that still holds it open cannot corrupt the new output. Rows
/// written after the last checkpoint are never duplicated (<see cref="WriteDisposition.Append"/> with resume truncation: output past the last checkpoint is removed before writing resumes).
/// </para>
/// <para>
/// The header row is written only when a partition starts from its beginning; on a resume it is part of the committed
/// prefix, so a file always has exactly one header.
/// </para>
/// <para>
/// <see cref="ISinkWriter{T}.CompleteAsync"/> confirms the lease and renames the file over the final name, so readers
/// never see a half-written file and an attempt that lost its lease (<see cref="LeaseLostException"/>) publishes
/// nothing. A crash after the rename but before the partition is recorded as completed is repaired by the resume, which
/// copies the committed prefix from the published file and publishes it again. Opening a partition never deletes,
/// truncates or moves the published file or another epoch's file.
/// </para>
/// <para>Thread-safe: each partition attempt gets its own writer.</para>
/// </remarks>
public sealed class CsvSink<T> : ISink<T>, IPartitionOutputRemover
    where T : class
{
    private readonly string _directory;
    private readonly CsvRecordFormat<T> _format;

    /// <summary>Initializes a new instance of the <see cref="CsvSink{T}"/> class.</summary>
    /// <param name="directory">The output root; each run writes below it in a folder named by its parameters, created when missing.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults. They are copied.</param>
    /// <exception cref="ArgumentException"><paramref name="directory"/> is empty.</exception>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> has no public readable property.</exception>
    public CsvSink(string directory, CsvSinkOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        _format = new CsvRecordFormat<T>(options);
        _directory = Path.GetFullPath(directory);
    }

    /// <inheritdoc/>
    public WriteDisposition Disposition => WriteDisposition.Append;

    /// <summary>Gets the path of the file a partition of a run is published as.</summary>
    /// <param name="runKey">The run; its parameters name the run's folder (see <see cref="OutputPaths.RunDirectory"/>).</param>
    /// <param name="partitionId">The partition id.</param>
    /// <returns>The path, <c>&lt;directory&gt;/&lt;key&gt;=&lt;value&gt;/&lt;partition id&gt;.csv</c>.</returns>
    /// <exception cref="ArgumentException">The id cannot be used as a file name.</exception>
    public string GetPath(RunKey runKey, string partitionId)
    {
        ArgumentNullException.ThrowIfNull(runKey);
        ArgumentException.ThrowIfNullOrWhiteSpace(partitionId);
        if (partitionId.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || partitionId is "." or "..")
        {
            throw new ArgumentException($"Expected a partition id usable as a file name, found '{partitionId}'.", nameof(partitionId));
        }

        var name = partitionId.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? partitionId : partitionId + ".csv";
        return Path.Combine(OutputPaths.RunDirectory(_directory, runKey), name);
    }

    /// <inheritdoc/>
    /// <remarks>Confirms the lease, then deletes the published file and every epoch's partial file of the partition.</remarks>
    public ValueTask RemovePartitionOutputAsync(SinkContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return FencedPartitionFile.RemoveAsync(context, GetPath(context.RunKey, context.Partition.Id), cancellationToken);
    }

    /// <summary>
    /// Opens the attempt's file of a partition: a new one with the header for a fresh start, or one holding the committed
    /// <see cref="SinkContext.ResumePosition"/> bytes (header included) for a resume.
    /// </summary>
    /// <param name="context">The run, the partition, the committed length to resume at and the fencing token.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The writer.</returns>
    /// <exception cref="InvalidDataException">No file of a resumed partition holds the committed length.</exception>
    /// <exception cref="LeaseLostException">The token has expired, or a later epoch writes this partition.</exception>
    public async ValueTask<ISinkWriter<T>> OpenAsync(SinkContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        cancellationToken.ThrowIfCancellationRequested();
        var file = await FencedPartitionFile.OpenAsync(context, GetPath(context.RunKey, context.Partition.Id), cancellationToken).ConfigureAwait(false);
        try
        {
            var writer = _format.CreateCsvWriter(file.Stream, startsFile: file.Stream.Length == 0);
            return new CsvSinkWriter<T>(file, writer, _format.Formatter);
        }
        catch
        {
            await file.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
