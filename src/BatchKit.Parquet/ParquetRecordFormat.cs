using BatchKit.Parquet.Internal;
using BatchKit.Shared;
using Parquet;
using Parquet.Schema;

namespace BatchKit.Parquet;

/// <summary>
/// Writes records as one Parquet file to any forward-only stream: the Parquet format of object sinks (such as
/// BatchKit.S3's <c>S3ObjectSink&lt;T&gt;</c>), written exactly as <see cref="ParquetSink{T}"/> writes its files.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
/// <remarks>
/// <para>
/// Columns, types and row groups are those of <see cref="ParquetSink{T}"/> (see its remarks): rows are buffered
/// column-wise until <see cref="ParquetSinkOptions.RowGroupSize"/> rows, then the row group is encoded and written to the
/// stream; <see cref="RecordFormatWriter{T}.FinishAsync"/> writes the last row group and the footer.
/// <see cref="ParquetSinkOptions.FileName"/> is not used: the object sink names the objects.
/// </para>
/// <para>
/// Parquet.Net writes a file front to back (magic, row groups, then the footer, which holds the offsets of the column
/// chunks it counted while writing): it never seeks, reads or asks for the length of the stream, so an upload stream that
/// only counts the bytes it was given (<see cref="Stream.Position"/>) is enough. Memory per writer is one row group's
/// column buffers plus the encoded row group.
/// </para>
/// <para>Thread-safe once created; each writer is used by one task at a time.</para>
/// </remarks>
public sealed class ParquetRecordFormat<T> : RecordFormat<T>
{
    private readonly ParquetSinkOptions _options;
    private readonly PropertyBindings<T> _bindings;

    /// <summary>Initializes a new instance of the <see cref="ParquetRecordFormat{T}"/> class.</summary>
    /// <param name="options">The options, or <see langword="null"/> for the defaults; read when writers are created.</param>
    /// <param name="map">The mapping of properties to columns, or <see langword="null"/> for the name convention.</param>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> has no property to write, a property of an unsupported type (such as <see cref="Guid"/> or <see cref="TimeSpan"/>) that is not ignored, or two properties written to one column; or an option is out of range.</exception>
    public ParquetRecordFormat(ParquetSinkOptions? options = null, ParquetRecordMap<T>? map = null)
    {
        _options = options ?? new ParquetSinkOptions();
        OptionsRule.ThrowIfFailed(ParquetSinkOptionsValidator.Validate(_options), $"the Parquet format of {typeof(T).Name}", nameof(options));

        _bindings = (map ?? new ParquetRecordMap<T>()).Bindings;
        _bindings.ThrowIfUnsupported(writing: true);
        if (_bindings.Written.Count == 0)
        {
            throw new ArgumentException($"{typeof(T).Name} has no public property of a supported type to write.", nameof(map));
        }

        var duplicate = _bindings.Written.GroupBy(b => b.WriteColumn, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"Properties {string.Join(" and ", duplicate.Select(b => b.Property.Name))} of {typeof(T).Name} are all written to column '{duplicate.Key}'.", nameof(map));
        }
    }

    /// <summary>Gets <c>.parquet</c>.</summary>
    public override string FileExtension => ".parquet";

    /// <summary>Gets <c>application/vnd.apache.parquet</c>.</summary>
    public override string ContentType => "application/vnd.apache.parquet";

    /// <inheritdoc/>
    protected override async ValueTask<RecordFormatWriter<T>> CreateWriterCoreAsync(Stream output, CancellationToken cancellationToken)
    {
        return await CreateStreamWriterAsync(output, output.GetType().Name, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts a Parquet file on a stream; <paramref name="name"/> names it in errors.</summary>
    internal async ValueTask<ParquetStreamWriter<T>> CreateStreamWriterAsync(Stream output, string name, CancellationToken cancellationToken)
    {
        var columns = _bindings.Written.Select(b => ColumnWriter.Create(b.Type, b.WriteColumn, _options.RowGroupSize)).ToArray();
        var options = new ParquetOptions
        {
            CompressionMethod = _options.Compression,
            CompressionLevel = _options.CompressionLevel,
        };
        if (_options.DictionaryEncodeStrings)
        {
            foreach (var column in columns.Where(c => c.Field.ClrType == typeof(ReadOnlyMemory<char>)))
            {
                options.ColumnEncodingHints[column.Field.Name] = EncodingHint.Dictionary;
            }
        }

        var schema = new ParquetSchema(columns.Select(c => (Field)c.Field));
        var writer = await ParquetWriter.CreateAsync(schema, output, options, false, cancellationToken).ConfigureAwait(false);
        return new ParquetStreamWriter<T>(writer, columns, _bindings.Extractor, name);
    }
}
