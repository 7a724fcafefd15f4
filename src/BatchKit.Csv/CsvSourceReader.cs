using System.Globalization;
using CsvHelper;

namespace BatchKit.Csv;

/// <summary>
/// Reads the records of one CSV file, or of one byte range of it, from a byte offset, reporting malformed rows as bad
/// records.
/// </summary>
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
    private readonly CsvByteRange? _range;
    private CsvReader? _reader;
    private long _start;
    private long _lineBase;
    private long _position;
    private bool _done;
    private int _lineBreakField;

    private CsvSourceReader(string path, IInputOpener opener, SourceContext context, CsvSourceOptions options, IReadOnlyList<string>? columns, char separator, long fileLength, CsvByteRange? range)
    {
        _range = range;
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
        LineBreakInRange,
    }

    /// <inheritdoc/>
    public long Position => _position;

    /// <summary>
    /// Opens a file (or, given <paramref name="range"/>, one byte range of it) at the context's position: reads its
    /// header from the start, then seeks to the position (a range not yet started: to its first line start).
    /// </summary>
    public static async ValueTask<CsvSourceReader<T>> OpenAsync(string path, IInputOpener opener, SourceContext context, CsvSourceOptions options, CsvByteRange? range, CancellationToken cancellationToken)
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
        var reader = new CsvSourceReader<T>(path, opener, context, options, columns, separator, length, range);
        long start;
        long lineBase;
        if (range is { } r && !(r.Start == 0 && context.Position <= headerEnd))
        {
            // Counting the lines before a range would read everything before it: line numbers count from where this
            // reader begins, and reports name byte offsets instead.
            lineBase = 0;
            start = context.Position > 0 ? Math.Max(context.Position, headerEnd)
                : await FirstLineStartAsync(opener, path, r.Start, headerEnd, length, cancellationToken).ConfigureAwait(false);
        }
        else if (context.Position <= headerEnd)
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

            if (_range is { } range && _start + _reader.ByteOffset >= range.End)
            {
                // This record begins in the next range, which reads it.
                _done = true;
                _position = Math.Max(_position, _start + _reader.ByteOffset);
                break;
            }

            switch (Process(out var record, out var restartAt, out var restartLineBase))
            {
                case Outcome.LineBreakInRange:
                    throw await _range!.LineBreakInValueAsync(_opener, _path, _start + _reader.ByteOffset, _columns, _lineBreakField, cancellationToken).ConfigureAwait(false);
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

        var length = CsvText.TrimmedLength(raw);
        if (_range is not null && raw[..length].IndexOfAny((byte)'\r', (byte)'\n') is >= 0 and var lineBreak)
        {
            // A quoted value holding a line break: a range boundary inside it would cut this record in two.
            _lineBreakField = CsvText.FieldIndexAt(raw, lineBreak, _separator, Quote);
            return Outcome.LineBreakInRange;
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

    private static async ValueTask<long> FirstLineStartAsync(IInputOpener opener, string path, long rangeStart, long headerEnd, long length, CancellationToken cancellationToken)
    {
        if (rangeStart <= headerEnd)
        {
            return headerEnd;
        }

        var stream = await opener.OpenReadAsync(path, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            return Math.Min(await CsvText.NextLineStartAsync(stream, rangeStart, cancellationToken).ConfigureAwait(false), length);
        }
    }

    private void Report(long line, string raw, int field, string expected, string found, Exception? exception)
    {
        var column = CsvByteRange.ColumnName(_columns, field);
        if (_range is not null)
        {
            // In a range the byte offset where the row begins names it (and is the error record's offset).
            var at = _start + _reader!.ByteOffset;
            _context.ReportBadRecord(at, raw, string.Create(CultureInfo.InvariantCulture, $"{_path}, row at byte {at}, {column}: expected {expected}, found {found}"), exception);
            return;
        }

        var reason = string.Create(CultureInfo.InvariantCulture, $"{_path}, line {line}, {column}: expected {expected}, found {found}");
        _context.ReportBadRecord(line, raw, reason, exception);
    }
}
