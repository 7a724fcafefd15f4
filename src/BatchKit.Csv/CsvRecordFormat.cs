using CsvHelper;

namespace BatchKit.Csv;

/// <summary>
/// Writes records as one CSV file to any forward-only stream: the CSV format of object sinks (such as BatchKit.S3's
/// <c>S3ObjectSink&lt;T&gt;</c>), written exactly as <see cref="CsvSink{T}"/> writes its files.
/// </summary>
/// <typeparam name="T">The record type; its public readable properties are the columns, in declaration order.</typeparam>
/// <remarks>
/// <para>
/// The header row (when <see cref="CsvSinkOptions.HasHeader"/>) is written once, when a writer is created; rows follow as
/// records arrive, UTF-8 without a byte order mark, CRLF line endings, fields formatted as <see cref="CsvSink{T}"/>
/// formats them. Rows reach the stream as CsvHelper's write buffer fills, and all of them by
/// <see cref="RecordFormatWriter{T}.FinishAsync"/>; the stream is never sought or read.
/// </para>
/// <para>Thread-safe once created; each writer is used by one task at a time.</para>
/// </remarks>
public sealed class CsvRecordFormat<T> : RecordFormat<T>
    where T : class
{
    private readonly CsvWriterOptions _writerOptions;
    private readonly CsvRecordFormatter<T> _formatter;
    private readonly bool _hasHeader;

    /// <summary>Initializes a new instance of the <see cref="CsvRecordFormat{T}"/> class.</summary>
    /// <param name="options">The options, or <see langword="null"/> for the defaults. They are copied.</param>
    /// <exception cref="ArgumentNullException"><see cref="CsvSinkOptions.Culture"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> has no public readable property.</exception>
    public CsvRecordFormat(CsvSinkOptions? options = null)
    {
        options ??= new CsvSinkOptions();
        ArgumentNullException.ThrowIfNull(options.Culture);
        _hasHeader = options.HasHeader;
        _formatter = new CsvRecordFormatter<T>(options.ColumnNames, options.ColumnNaming);
        _writerOptions = new CsvWriterOptions
        {
            Separator = options.Delimiter,
            HasHeader = false,
            FormatProvider = options.Culture,
            Injection = CsvInjection.None,
        };
    }

    /// <summary>Gets <c>.csv</c>.</summary>
    public override string FileExtension => ".csv";

    /// <summary>Gets <c>text/csv</c>.</summary>
    public override string ContentType => "text/csv";

    internal CsvRecordFormatter<T> Formatter => _formatter;

    /// <summary>Creates a CSV writer on a stream (left open), with the header row first when <paramref name="startsFile"/> and the options ask for one.</summary>
    internal CsvWriter CreateCsvWriter(Stream output, bool startsFile)
    {
        var writer = CsvWriter.Create(output, _writerOptions, leaveOpen: true);
        if (startsFile && _hasHeader)
        {
            writer.WriteHeader(_formatter.Names);
        }

        return writer;
    }

    /// <inheritdoc/>
    protected override ValueTask<RecordFormatWriter<T>> CreateWriterCoreAsync(Stream output, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult<RecordFormatWriter<T>>(new CsvStreamWriter<T>(CreateCsvWriter(output, startsFile: true), _formatter));
    }
}
