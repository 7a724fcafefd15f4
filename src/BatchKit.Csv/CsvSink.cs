using CsvHelper;

namespace BatchKit.Csv;

/// <summary>
/// Writes each partition to its own CSV file, <c>&lt;directory&gt;/&lt;partition id&gt;.csv</c>, published by an atomic
/// rename when the partition completes.
/// </summary>
/// <typeparam name="T">The record type; its public readable properties are the columns, in declaration order.</typeparam>
/// <remarks>
/// <para>
/// Rows go to <c>&lt;final name&gt;.partial</c>. <see cref="ISinkWriter{T}.CommitAsync"/> flushes the file to disk and returns
/// its length; a resumed partition truncates the partial file back to that length before appending, so rows written
/// after the last checkpoint are never duplicated (<see cref="WriteDisposition.Append"/> with truncation).
/// <see cref="ISinkWriter{T}.CompleteAsync"/> renames the partial file over the final name, so readers never see a
/// half-written file.
/// </para>
/// <para>Thread-safe: each partition attempt gets its own writer.</para>
/// </remarks>
public sealed class CsvSink<T> : ISink<T>, IPartitionOutputRemover
    where T : class
{
    private readonly string _directory;
    private readonly CsvWriterOptions _writerOptions;
    private readonly CsvRecordFormatter<T> _formatter;
    private readonly bool _hasHeader;

    /// <summary>Initializes a new instance of the <see cref="CsvSink{T}"/> class.</summary>
    /// <param name="directory">The directory the files are written to; created when missing.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults. They are copied.</param>
    /// <exception cref="ArgumentException"><paramref name="directory"/> is empty.</exception>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> has no public readable property.</exception>
    public CsvSink(string directory, CsvSinkOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        options ??= new CsvSinkOptions();
        ArgumentNullException.ThrowIfNull(options.Culture);
        _directory = Path.GetFullPath(directory);
        _hasHeader = options.HasHeader;
        _formatter = new CsvRecordFormatter<T>(options.ColumnNames);
        _writerOptions = new CsvWriterOptions
        {
            Separator = options.Delimiter,
            HasHeader = false,
            FormatProvider = options.Culture,
            Injection = CsvInjection.None,
        };
    }

    /// <inheritdoc/>
    public WriteDisposition Disposition => WriteDisposition.Append;

    /// <summary>Gets the path of the file a partition is published as.</summary>
    /// <param name="partitionId">The partition id.</param>
    /// <returns>The path, <c>&lt;directory&gt;/&lt;partition id&gt;.csv</c>.</returns>
    /// <exception cref="ArgumentException">The id cannot be used as a file name.</exception>
    public string GetPath(string partitionId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(partitionId);
        if (partitionId.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || partitionId is "." or "..")
        {
            throw new ArgumentException($"Expected a partition id usable as a file name, found '{partitionId}'.", nameof(partitionId));
        }

        var name = partitionId.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? partitionId : partitionId + ".csv";
        return Path.Combine(_directory, name);
    }

    /// <inheritdoc/>
    public async ValueTask RemovePartitionOutputAsync(SinkContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        await context.Fence.EnsureHeldAsync(cancellationToken).ConfigureAwait(false);
        File.Delete(GetPath(context.Partition.Id));
    }

    /// <summary>Opens the partial file of a partition: a new one, or the existing one truncated to <see cref="SinkContext.ResumePosition"/>.</summary>
    /// <param name="context">The run, the partition and the committed length to resume at.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The writer.</returns>
    /// <exception cref="InvalidDataException">The partial file of a resumed partition is missing or shorter than the committed length.</exception>
    public ValueTask<ISinkWriter<T>> OpenAsync(SinkContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        cancellationToken.ThrowIfCancellationRequested();
        var final = GetPath(context.Partition.Id);
        var partial = final + ".partial";
        Directory.CreateDirectory(_directory);
        FileStream stream;
        var fresh = context.ResumePosition is null or 0;
        if (fresh)
        {
            stream = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.Read, 1);
        }
        else
        {
            var committed = context.ResumePosition!.Value;
            if (!File.Exists(partial))
            {
                if (!File.Exists(final))
                {
                    throw new InvalidDataException(
                        $"{partial}: expected the partial output of partition '{context.Partition.Id}' committed up to byte {committed}, found no file.");
                }

                // Published before the partition was recorded as completed: take the file back and finish it again.
                File.Move(final, partial);
            }

            stream = new FileStream(partial, FileMode.Open, FileAccess.Write, FileShare.Read, 1);
            if (stream.Length < committed)
            {
                var length = stream.Length;
                stream.Dispose();
                throw new InvalidDataException(
                    $"{partial}: expected at least the {committed} bytes committed for partition '{context.Partition.Id}', found {length}.");
            }

            stream.SetLength(committed);
            stream.Seek(committed, SeekOrigin.Begin);
        }

        var writer = CsvWriter.Create(stream, _writerOptions, leaveOpen: true);
        if (fresh && _hasHeader)
        {
            writer.WriteHeader(_formatter.Names);
        }

        return ValueTask.FromResult<ISinkWriter<T>>(new CsvSinkWriter<T>(stream, writer, _formatter, partial, final));
    }
}
