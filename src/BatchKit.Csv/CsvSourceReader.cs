using System.Globalization;
using CsvHelper;

namespace BatchKit.Csv;

/// <summary>Reads the records of one CSV file from a byte offset, reporting malformed rows as bad records.</summary>
/// <typeparam name="T">The record type.</typeparam>
internal sealed class CsvSourceReader<T> : ISourceReader<T>
    where T : class
{
    private const byte Quote = (byte)'"';

    private readonly string _path;
    private readonly IInputOpener _opener;
    private readonly SourceContext _context;
    private readonly IReadOnlyList<string> _columns;
    private readonly CsvRecordBinder<T>? _binder;
    private readonly CsvReaderOptions _readerOptions;
    private readonly Queue<CsvMalformedRecord> _malformed = new();
    private readonly long _fileLength;
    private readonly byte _separator;
    private CsvReader? _reader;
    private long _start;
    private long _lineBase;
    private long _position;
    private bool _done;

    private CsvSourceReader(string path, IInputOpener opener, SourceContext context, CsvSourceOptions options, IReadOnlyList<string>? columns, char separator, long fileLength)
    {
        _path = path;
        _opener = opener;
        _context = context;
        _fileLength = fileLength;
        _separator = (byte)separator;
        // An empty file has no header to check the columns against, and no rows.
        _done = columns is null;
        _columns = columns ?? [];
        _binder = columns is null ? null : CsvRecordBinder<T>.Create(columns, options.ColumnNames, options.ColumnNaming, path);
        _readerOptions = new CsvReaderOptions
        {
            Separator = separator,
            HasHeader = false,
            TrackLineNumbers = true,
            AllowLineBreaksInQuotes = true,
            SkipEmptyLines = true,
            TrimWhitespace = options.TrimWhitespace,
            FormatProvider = options.Culture,
            MalformedData = CsvMalformedDataHandling.Recover,
            FieldCountMismatch = CsvFieldCountHandling.Allow,
            MissingField = CsvMissingFieldHandling.ReturnEmpty,
            OnMalformedRecord = _malformed.Enqueue,
        };
    }

    private enum Outcome
    {
        Record,
        Skipped,
        Restart,
    }

    /// <inheritdoc/>
    public long Position => _position;

    /// <summary>Opens a file at the context's position: reads its header from the start, then seeks to the position.</summary>
    public static async ValueTask<CsvSourceReader<T>> OpenAsync(string path, IInputOpener opener, SourceContext context, CsvSourceOptions options, CancellationToken cancellationToken)
    {
        var first = await opener.OpenReadAsync(path, cancellationToken).ConfigureAwait(false);
        var length = first.Length;
        if (context.Position > length)
        {
            await first.DisposeAsync().ConfigureAwait(false);
            throw new InvalidDataException(
                $"{path}: expected a resume position within the file's {length} bytes, found {context.Position}; the file was changed since the checkpoint was written.");
        }

        var (columns, separator, headerEnd, headerLine) = await ReadHeaderAsync(first, options, cancellationToken).ConfigureAwait(false);
        var reader = new CsvSourceReader<T>(path, opener, context, options, columns, separator, length);
        long start;
        long lineBase;
        if (context.Position <= headerEnd)
        {
            start = headerEnd;
            lineBase = headerLine - 1;
        }
        else
        {
            start = context.Position;
            lineBase = await CsvText.CountLineBreaksAsync(await opener.OpenReadAsync(path, cancellationToken).ConfigureAwait(false), start, cancellationToken).ConfigureAwait(false);
        }

        reader._position = Math.Max(context.Position, start);
        if (!reader._done)
        {
            await reader.OpenAtAsync(start, lineBase, cancellationToken).ConfigureAwait(false);
        }

        return reader;
    }

    /// <inheritdoc/>
    public async ValueTask<int> ReadAsync(Memory<T> buffer, CancellationToken cancellationToken)
    {
        var count = 0;
        while (count < buffer.Length && !_done)
        {
            if (!await _reader!.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                _done = true;
                _position = Math.Max(_position, _fileLength);
                break;
            }

            switch (Process(out var record, out var restartAt, out var restartLineBase))
            {
                case Outcome.Record:
                    buffer.Span[count++] = record!;
                    break;
                case Outcome.Restart:
                    await _reader.DisposeAsync().ConfigureAwait(false);
                    await OpenAtAsync(restartAt, restartLineBase, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    break;
            }
        }

        return count;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_reader is not null)
        {
            await _reader.DisposeAsync().ConfigureAwait(false);
            _reader = null;
        }
    }

    private static async ValueTask<(IReadOnlyList<string>? Columns, char Separator, long End, long Line)> ReadHeaderAsync(
        Stream stream, CsvSourceOptions options, CancellationToken cancellationToken)
    {
        var headerOptions = new CsvReaderOptions
        {
            Separator = options.Delimiter,
            HasHeader = false,
            TrackLineNumbers = true,
            TrimWhitespace = options.TrimWhitespace,
            FormatProvider = options.Culture,
        };
        var reader = CsvReader.Create(stream, headerOptions, leaveOpen: false);
        await using (reader.ConfigureAwait(false))
        {
            var any = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var separator = options.Delimiter ?? (any ? reader.Separator : ',');
            if (!options.HasHeader)
            {
                IReadOnlyList<string> columns = options.Columns.Count > 0
                    ? [.. options.Columns]
                    : [.. CsvRecordMembers.Readable(typeof(T)).Select(p => CsvRecordMembers.ColumnName(p.Name, options.ColumnNames, options.ColumnNaming))];
                return (columns, separator, 0, 1);
            }

            if (!any)
            {
                return (null, separator, 0, 1);
            }

            var header = new string[reader.FieldCount];
            for (var i = 0; i < header.Length; i++)
            {
                header[i] = reader.GetString(i);
            }

            return (header, separator, reader.ByteOffset + reader.RawRecord.Length, reader.LineNumber);
        }
    }

    private async ValueTask OpenAtAsync(long start, long lineBase, CancellationToken cancellationToken)
    {
        _malformed.Clear();
        _start = start;
        _lineBase = lineBase;
        var stream = await _opener.OpenReadAsync(_path, cancellationToken).ConfigureAwait(false);
        stream.Seek(start, SeekOrigin.Begin);
        _reader = CsvReader.Create(stream, _readerOptions, leaveOpen: false);
    }

    private Outcome Process(out T? record, out long restartAt, out long restartLineBase)
    {
        var reader = _reader!;
        var raw = reader.RawRecord;
        var start = _start + reader.ByteOffset;
        var line = _lineBase + reader.LineNumber;
        record = null;
        restartAt = 0;
        restartLineBase = 0;

        while (_malformed.TryPeek(out var stale) && stale.RecordNumber < reader.RowNumber)
        {
            _malformed.Dequeue();
        }

        if (_malformed.TryPeek(out var bad) && bad.RecordNumber == reader.RowNumber)
        {
            _malformed.Dequeue();
            var trimmed = CsvText.TrimmedLength(raw);
            var problem = (int)Math.Clamp(bad.ByteOffset - reader.ByteOffset, 0, raw.Length);
            var firstBreak = raw[..trimmed].IndexOfAny((byte)'\r', (byte)'\n');
            if (firstBreak >= 0)
            {
                // A quote that is not closed on its own line swallows the lines after it: reject the first line only
                // and read on from the next one, so one bad quote costs one row, not the rest of the file.
                var firstLine = raw[..firstBreak];
                var (expected, found) = CsvText.DescribeQuoting(bad.Reason, firstLine, problem, split: true, line);
                Report(line, CsvText.Decode(firstLine), CsvText.FieldIndexAt(firstLine, firstBreak, _separator, Quote), expected, found, null);
                _position = start + firstBreak;
                restartAt = _position;
                restartLineBase = line - 1;
                return Outcome.Restart;
            }

            var at = bad.Reason == CsvMalformedReason.UnterminatedQuote ? trimmed : problem;
            var (exp, fnd) = CsvText.DescribeQuoting(bad.Reason, raw, problem, split: false, line);
            Report(line, CsvText.Decode(raw[..trimmed]), CsvText.FieldIndexAt(raw, at, _separator, Quote), exp, fnd, null);
            _position = start + raw.Length;
            return Outcome.Skipped;
        }

        _position = start + raw.Length;
        if (reader.FieldCount != _columns.Count)
        {
            var expected = string.Create(CultureInfo.InvariantCulture, $"{_columns.Count} columns ({string.Join(", ", _columns)})");
            var found = reader.FieldCount.ToString(CultureInfo.InvariantCulture);
            Report(line, CsvText.Decode(raw[..CsvText.TrimmedLength(raw)]), Math.Min(reader.FieldCount, _columns.Count), expected, found, null);
            return Outcome.Skipped;
        }

        if (_binder!.TryBind(reader, out record, out var field, out var expectedValue, out var exception))
        {
            return Outcome.Record;
        }

        var value = field >= 0 ? "'" + reader.GetString(field) + "'" : "a row it rejected";
        if (exception is not null)
        {
            value += " (" + exception.Message + ")";
        }

        Report(line, CsvText.Decode(raw[..CsvText.TrimmedLength(raw)]), field, expectedValue!, value, exception);
        return Outcome.Skipped;
    }

    private void Report(long line, string raw, int field, string expected, string found, Exception? exception)
    {
        var column = field < 0 ? "row"
            : field < _columns.Count ? "column '" + _columns[field] + "'"
            : "column " + (field + 1).ToString(CultureInfo.InvariantCulture);
        var reason = string.Create(CultureInfo.InvariantCulture, $"{_path}, line {line}, {column}: expected {expected}, found {found}");
        _context.ReportBadRecord(line, raw, reason, exception);
    }
}
