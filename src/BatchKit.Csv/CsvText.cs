using System.Buffers;
using System.Text;
using CsvHelper;

namespace BatchKit.Csv;

/// <summary>Byte-level helpers for CSV text: line counting, quoting diagnosis and raw text.</summary>
internal static class CsvText
{
    /// <summary>Counts the line breaks (CR, LF and CR LF each once) in the first <paramref name="length"/> bytes of a file.</summary>
    public static async ValueTask<long> CountLineBreaksAsync(Stream stream, long length, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            await using (stream.ConfigureAwait(false))
            {
                long count = 0;
                long remaining = length;
                var pendingCr = false;
                while (remaining > 0)
                {
                    var read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)), cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        break;
                    }

                    count += Count(buffer.AsSpan(0, read), ref pendingCr);
                    remaining -= read;
                }

                return pendingCr ? count + 1 : count;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Returns the first line start at or after <paramref name="start"/> (1 or more): the offset just after an LF, or
    /// after a CR that no LF follows, which is where the CSV parser begins a record; the length of the file when no line
    /// starts there.
    /// </summary>
    public static async ValueTask<long> NextLineStartAsync(Stream stream, long start, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            var offset = start - 1;
            stream.Position = offset;
            var pendingCr = false;
            while (true)
            {
                var read = await stream.ReadAsync(buffer.AsMemory(0, 1 << 16), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return pendingCr ? offset : Math.Max(offset, start);
                }

                var span = buffer.AsSpan(0, read);
                if (pendingCr)
                {
                    return span[0] == (byte)'\n' ? offset + 1 : offset;
                }

                var at = span.IndexOfAny((byte)'\r', (byte)'\n');
                if (at >= 0 && (span[at] == (byte)'\n' || at + 1 < read))
                {
                    return offset + at + (span[at] == (byte)'\r' && span[at + 1] == (byte)'\n' ? 2 : 1);
                }

                pendingCr = at >= 0;
                offset += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Returns the index of the field that byte <paramref name="offset"/> of a raw row belongs to, following RFC 4180 quoting.</summary>
    public static int FieldIndexAt(ReadOnlySpan<byte> raw, int offset, byte separator, byte quote)
    {
        var field = 0;
        var inQuotes = false;
        var atFieldStart = true;
        var end = Math.Min(offset, raw.Length);
        for (var i = 0; i < end; i++)
        {
            var b = raw[i];
            if (inQuotes)
            {
                if (b == quote)
                {
                    if (i + 1 < raw.Length && raw[i + 1] == quote)
                    {
                        i++;
                    }
                    else
                    {
                        inQuotes = false;
                    }
                }

                continue;
            }

            if (b == separator)
            {
                field++;
                atFieldStart = true;
                continue;
            }

            if (b == quote && atFieldStart)
            {
                inQuotes = true;
            }

            atFieldStart = false;
        }

        return field;
    }

    /// <summary>Returns the length of a raw row without the line breaks at its end.</summary>
    public static int TrimmedLength(ReadOnlySpan<byte> raw)
    {
        var length = raw.Length;
        while (length > 0 && raw[length - 1] is (byte)'\r' or (byte)'\n')
        {
            length--;
        }

        return length;
    }

    /// <summary>Decodes raw UTF-8 bytes as text.</summary>
    public static string Decode(ReadOnlySpan<byte> raw) => Encoding.UTF8.GetString(raw);

    /// <summary>Describes a quoting problem as what was expected and what was found.</summary>
    public static (string Expected, string Found) DescribeQuoting(CsvMalformedReason reason, ReadOnlySpan<byte> raw, int problemOffset, bool split, long line) => reason switch
    {
        CsvMalformedReason.StrayQuote => ("a quote only at the start of a quoted field", "a quote inside an unquoted value"),
        CsvMalformedReason.TextAfterClosingQuote when !split && problemOffset >= 0 && problemOffset < raw.Length =>
            ("a delimiter or the end of the row after the closing quote", "'" + Decode(raw.Slice(problemOffset, 1)) + "'"),
        CsvMalformedReason.UnterminatedQuote when !split => ("a closing quote", "the end of the file"),
        _ when split => ("a closing quote on line " + line.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "none before the end of the line (" + Plain(reason) + "); reading continues on the next line"),
        _ => ("RFC 4180 quoting", Plain(reason)),
    };

    /// <summary>Says what a quoting problem is in plain words, never with the parser's code name.</summary>
    private static string Plain(CsvMalformedReason reason) => reason switch
    {
        CsvMalformedReason.StrayQuote => "a quote inside an unquoted value",
        CsvMalformedReason.TextAfterClosingQuote => "text after a closing quote",
        CsvMalformedReason.UnterminatedQuote => "a quoted field that is never closed",
        _ => "malformed quoting",
    };

    private static long Count(ReadOnlySpan<byte> span, ref bool pendingCr)
    {
        long count = span.Count((byte)'\n');
        if (pendingCr && span[0] != (byte)'\n')
        {
            count++;
        }

        pendingCr = false;
        if (span.Contains((byte)'\r'))
        {
            // A CR is a line break of its own unless an LF follows it (that LF was counted already).
            for (var i = 0; i < span.Length; i++)
            {
                if (span[i] != (byte)'\r')
                {
                    continue;
                }

                if (i + 1 == span.Length)
                {
                    pendingCr = true;
                }
                else if (span[i + 1] != (byte)'\n')
                {
                    count++;
                }
            }
        }

        return count;
    }
}
