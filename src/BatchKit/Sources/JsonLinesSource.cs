using System.Globalization;
using System.Text;
using System.Text.Json;

namespace BatchKit;

/// <summary>
/// Reads JSON Lines files (one JSON object per line, UTF-8). A partition with a <see cref="PartitionDescriptor.File"/>
/// descriptor reads that file; any other partition reads the file given to the constructor. The position is the byte
/// offset of the next line, so a resumed partition seeks straight to it. A line that is not valid JSON for
/// <typeparamref name="T"/> becomes an error record naming the file and line; blank lines are skipped.
/// A partition with a <see cref="PartitionDescriptor.Bytes"/> descriptor (planned by <see cref="ByteRangePartitioner"/>)
/// reads the lines that begin inside its byte range; its error records name the file and the byte offset where the line
/// begins (their offset is that byte offset), since counting the lines before the range would read everything before it.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
public sealed class JsonLinesSource<T> : ISource<T>
{
    private readonly string? _path;
    private readonly JsonSerializerOptions _options;

    /// <summary>Initializes a new instance of the <see cref="JsonLinesSource{T}"/> class.</summary>
    /// <param name="path">The file read by partitions without a file descriptor; <see langword="null"/> when every partition names its file.</param>
    /// <param name="options">The JSON options; <see langword="null"/> for <see cref="JsonSerializerDefaults.Web"/> (camelCase, case-insensitive).</param>
    public JsonLinesSource(string? path = null, JsonSerializerOptions? options = null)
    {
        _path = path;
        _options = options ?? new JsonSerializerOptions(JsonSerializerDefaults.Web);
    }

    /// <summary>Gets the opener of the files (or objects) that partitions name.</summary>
    /// <value>The default value is <see cref="LocalFileOpener.Instance"/>; an object store adapter's opener reads objects such as <c>s3://bucket/key</c>.</value>
    public IInputOpener Opener { get; init; } = LocalFileOpener.Instance;

    /// <inheritdoc/>
    public async ValueTask<ISourceReader<T>> OpenAsync(SourceContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var descriptor = context.Partition.Descriptor;
        if (descriptor.StartsWith("bytes:", StringComparison.Ordinal))
        {
            return await OpenRangeAsync(context, cancellationToken).ConfigureAwait(false);
        }

        var path = descriptor.StartsWith("file:", StringComparison.Ordinal)
            ? PartitionDescriptor.ParseFile(descriptor)
            : _path ?? throw new InvalidOperationException($"Partition '{context.Partition.Id}' names no file and the JSON Lines source has no default path.");
        var stream = await Opener.OpenReadAsync(path, cancellationToken).ConfigureAwait(false);
        try
        {
            var line = context.Position == 0 ? 0 : await CountLinesAsync(stream, context.Position, cancellationToken).ConfigureAwait(false);
            var position = context.Position;
            if (position == 0)
            {
                position = await SkipByteOrderMarkAsync(stream, cancellationToken).ConfigureAwait(false);
            }

            stream.Position = position;
            return new Reader(stream, path, context, _options, line, position);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async ValueTask<ISourceReader<T>> OpenRangeAsync(SourceContext context, CancellationToken cancellationToken)
    {
        var (path, start, end) = PartitionDescriptor.ParseBytes(context.Partition.Descriptor);
        var stream = await Opener.OpenReadAsync(path, cancellationToken).ConfigureAwait(false);
        try
        {
            var position = context.Position;
            if (position == 0)
            {
                position = start == 0 ? await SkipByteOrderMarkAsync(stream, cancellationToken).ConfigureAwait(false)
                    : await NextLineStartAsync(stream, start, cancellationToken).ConfigureAwait(false);
            }

            stream.Position = Math.Min(position, stream.Length);
            return new Reader(stream, path, context, _options, 0, position, end, byteOffsets: true);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    // A UTF-8 byte order mark is not part of the first line.
    private static async ValueTask<long> SkipByteOrderMarkAsync(Stream stream, CancellationToken cancellationToken)
    {
        var bom = new byte[3];
        stream.Position = 0;
        return await stream.ReadAtLeastAsync(bom, 3, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false) == 3 && bom.AsSpan().SequenceEqual("\uFEFF"u8) ? 3 : 0;
    }

    // The first line beginning at or after start: the line that began before it belongs to the previous range.
    private static async ValueTask<long> NextLineStartAsync(Stream stream, long start, CancellationToken cancellationToken)
    {
        var buffer = new byte[1 << 16];
        var offset = start - 1;
        stream.Position = offset;
        while (true)
        {
            var n = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                return offset;
            }

            var newline = buffer.AsSpan(0, n).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                return offset + newline + 1;
            }

            offset += n;
        }
    }

    private static async ValueTask<long> CountLinesAsync(Stream stream, long end, CancellationToken cancellationToken)
    {
        var buffer = new byte[1 << 16];
        long lines = 0, read = 0;
        while (read < end)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, end - read)), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            lines += buffer.AsSpan(0, n).Count((byte)'\n');
            read += n;
        }

        return lines;
    }

    private sealed class Reader(Stream stream, string path, SourceContext context, JsonSerializerOptions options, long linesBefore, long position, long end = long.MaxValue, bool byteOffsets = false) : ISourceReader<T>
    {
        private long _lineStart;
        private byte[] _buffer = new byte[1 << 16];
        private int _start;
        private int _end;
        private bool _eof;
        private long _line = linesBefore;

        public long Position { get; private set; } = position;

        public async ValueTask<int> ReadAsync(Memory<T> buffer, CancellationToken cancellationToken)
        {
            var n = 0;
            while (n < buffer.Length && Position < end)
            {
                var newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
                if (newline < 0 && !_eof)
                {
                    await FillAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (newline < 0 && _start == _end)
                {
                    break;
                }

                var length = newline < 0 ? _end - _start : newline;
                var consumed = newline < 0 ? length : length + 1;
                var line = _buffer.AsMemory(_start, length);
                _lineStart = Position;
                _start += consumed;
                Position += consumed;
                _line++;
                if (Parse(line.Span, out var record))
                {
                    buffer.Span[n++] = record;
                }
            }

            return n;
        }

        public ValueTask DisposeAsync() => stream.DisposeAsync();

        private bool Parse(ReadOnlySpan<byte> line, out T record)
        {
            record = default!;
            if (line.Length > 0 && line[^1] == (byte)'\r')
            {
                line = line[..^1];
            }

            if (line.Trim((byte)' ').IsEmpty)
            {
                return false;
            }

            try
            {
                var value = JsonSerializer.Deserialize<T>(line, options);
                if (value is null)
                {
                    Report(line, "expected a JSON object, found null", null);
                    return false;
                }

                record = value;
                return true;
            }
            catch (JsonException ex)
            {
                var column = ex.BytePositionInLine is { } b ? (b + 1).ToString(CultureInfo.InvariantCulture) : "?";
                Report(line, $"column {column}: expected a JSON {typeof(T).Name}: {ex.Message}", ex);
                return false;
            }
        }

        private void Report(ReadOnlySpan<byte> line, string detail, Exception? exception)
        {
            if (byteOffsets)
            {
                context.ReportBadRecord(_lineStart, Encoding.UTF8.GetString(line), $"{path}, line at byte {_lineStart}: {detail}", exception);
            }
            else
            {
                context.ReportBadRecord(_line, Encoding.UTF8.GetString(line), $"{path}, line {_line}: {detail}", exception);
            }
        }

        private async ValueTask FillAsync(CancellationToken cancellationToken)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }

            if (_end == _buffer.Length)
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }

            var n = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            _end += n;
            _eof = n == 0;
        }
    }
}
