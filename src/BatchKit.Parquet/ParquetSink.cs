using BatchKit.Parquet.Internal;
using BatchKit.Shared;

namespace BatchKit.Parquet;

/// <summary>
/// Writes each partition of a run to its own Parquet file, <c>&lt;directory&gt;/&lt;key&gt;=&lt;value&gt;/&lt;partition id&gt;.parquet</c>
/// by default (one folder level per run parameter, see <see cref="OutputPaths"/>), published under the run's lease when
/// the partition completes.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
/// <remarks>
/// <para>
/// Partitions are atomic (<see cref="WriteDisposition.ReplacePartition"/>). A writer writes the attempt's epoch-scoped
/// file, <c>&lt;final&gt;.e&lt;epoch&gt;.partial</c> (see <see cref="FencedPartitionFile"/>), in row groups of
/// <see cref="ParquetSinkOptions.RowGroupSize"/> rows, and <see cref="ISinkWriter{T}.CompleteAsync"/> flushes the file to
/// disk, confirms the lease and renames it over the final name; an attempt that lost its lease
/// (<see cref="LeaseLostException"/>) publishes nothing. A crashed or abandoned writer never leaves a file, whole or
/// partial, under the final name; disposing a writer that did not complete deletes its own epoch's file. Opening a
/// partition never deletes, truncates or moves the published file or another epoch's file (it fails with
/// <see cref="LeaseLostException"/> while a later epoch writes the partition); a publish removes older epochs' files.
/// </para>
/// <para>
/// <see cref="ISinkWriter{T}.CommitAsync"/> makes nothing durable and returns 0: a partition attempt always writes the
/// whole partition again, whatever <see cref="SinkContext.ResumePosition"/> says, so the executor must restart
/// <see cref="WriteDisposition.ReplacePartition"/> partitions from their first record.
/// </para>
/// <para>
/// Columns follow the properties of <typeparamref name="T"/> in declaration order, named by the
/// <see cref="ParquetRecordMap{T}"/> (snake_case of the property name by default). Value-type properties give required
/// columns, nullable ones and strings give optional columns; <see cref="DateTime"/> and <see cref="DateTimeOffset"/>
/// are written as microsecond timestamps adjusted to UTC (a <see cref="DateTimeKind.Local"/> value is converted to UTC,
/// an <see cref="DateTimeKind.Unspecified"/> one is taken as UTC; sub-microsecond ticks are dropped), <see cref="DateOnly"/>
/// as dates and <see cref="decimal"/> as decimal(38,18).
/// </para>
/// </remarks>
public sealed class ParquetSink<T> : ISink<T>, IPartitionOutputRemover
{
    private readonly string _directory;
    private readonly ParquetSinkOptions _options;
    private readonly ParquetRecordFormat<T> _format;

    /// <summary>Initializes a new instance of the <see cref="ParquetSink{T}"/> class.</summary>
    /// <param name="directory">The output root; each run writes below it in a folder named by its parameters, created when missing.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults.</param>
    /// <param name="map">The mapping of properties to columns, or <see langword="null"/> for the name convention.</param>
    /// <exception cref="ArgumentException"><paramref name="directory"/> is empty, <typeparamref name="T"/> has no property to write or a property of an unsupported type (such as <see cref="Guid"/> or <see cref="TimeSpan"/>) that is not ignored, or an option is out of range.</exception>
    public ParquetSink(string directory, ParquetSinkOptions? options = null, ParquetRecordMap<T>? map = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        _options = options ?? new ParquetSinkOptions();
        OptionsRule.ThrowIfFailed(ParquetSinkOptionsValidator.Validate(_options), $"the Parquet sink of '{directory}'", nameof(options));
        _format = new ParquetRecordFormat<T>(_options, map);
        _directory = Path.GetFullPath(directory);
    }

    /// <summary>Gets <see cref="WriteDisposition.ReplacePartition"/>: each partition's file is replaced as a whole.</summary>
    public WriteDisposition Disposition => WriteDisposition.ReplacePartition;

    /// <summary>Gets the final path of a partition's file in a run.</summary>
    /// <param name="runKey">The run; its parameters name the run's folder (see <see cref="OutputPaths.RunDirectory"/>).</param>
    /// <param name="partition">The partition.</param>
    /// <returns>The full path: <see cref="ParquetSinkOptions.FileName"/>, or <c>&lt;partition id&gt;.parquet</c>, under the run's folder.</returns>
    public string GetFilePath(RunKey runKey, Partition partition)
    {
        ArgumentNullException.ThrowIfNull(runKey);
        ArgumentNullException.ThrowIfNull(partition);
        var name = _options.FileName?.Invoke(partition) ?? partition.Id + ".parquet";
        return Path.GetFullPath(Path.Combine(OutputPaths.RunDirectory(_directory, runKey), name));
    }

    /// <inheritdoc/>
    /// <remarks>Confirms the lease, then deletes the published file and every epoch's partial file of the partition.</remarks>
    public ValueTask RemovePartitionOutputAsync(SinkContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return FencedPartitionFile.RemoveAsync(context, GetFilePath(context.RunKey, context.Partition), cancellationToken);
    }

    /// <inheritdoc/>
    /// <remarks>Starts the attempt's epoch-scoped file from its beginning; the published file and other epochs' files are left alone.</remarks>
    /// <exception cref="LeaseLostException">The token has expired, or a later epoch writes this partition.</exception>
    public async ValueTask<ISinkWriter<T>> OpenAsync(SinkContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return await ParquetSinkWriter<T>.OpenAsync(context, GetFilePath(context.RunKey, context.Partition), _format, cancellationToken).ConfigureAwait(false);
    }
}
