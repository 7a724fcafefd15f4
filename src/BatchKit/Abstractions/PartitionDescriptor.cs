using System.Globalization;

namespace BatchKit;

/// <summary>
/// Formats and parses the descriptors written by the built-in partitioners, so that sources can read a partition
/// directly (natural partitioning).
/// </summary>
public static class PartitionDescriptor
{
    /// <summary>Formats a half-open row range <c>[start, end)</c>.</summary>
    /// <param name="start">The first row, inclusive.</param>
    /// <param name="end">The last row, exclusive.</param>
    /// <returns>The descriptor <c>rows:start:end</c>.</returns>
    public static string Rows(long start, long end) => string.Create(CultureInfo.InvariantCulture, $"rows:{start}:{end}");

    /// <summary>Formats a half-open key range <c>[start, end)</c>.</summary>
    /// <param name="start">The first key, inclusive.</param>
    /// <param name="end">The last key, exclusive.</param>
    /// <returns>The descriptor <c>keys:start:end</c>.</returns>
    public static string Keys(long start, long end) => string.Create(CultureInfo.InvariantCulture, $"keys:{start}:{end}");

    /// <summary>Formats a half-open time range <c>[start, end)</c> in UTC, round-trip format.</summary>
    /// <param name="start">The start of the bucket, inclusive.</param>
    /// <param name="end">The end of the bucket, exclusive.</param>
    /// <returns>The descriptor <c>time:start|end</c>.</returns>
    public static string Time(DateTimeOffset start, DateTimeOffset end) =>
        "time:" + start.UtcDateTime.ToString("O", CultureInfo.InvariantCulture) + "|" + end.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    /// <summary>Formats a partition that is one file or object.</summary>
    /// <param name="path">The file path or object key.</param>
    /// <returns>The descriptor <c>file:path</c>.</returns>
    public static string File(string path) => "file:" + path;

    /// <summary>Formats a partition that is a byte range of one file or object, as <see cref="ByteRangePartitioner"/> plans it.</summary>
    /// <param name="location">The file path or object URI.</param>
    /// <param name="start">The first byte (inclusive).</param>
    /// <param name="end">The end (exclusive).</param>
    /// <returns>The descriptor <c>bytes:&lt;start&gt;:&lt;end&gt;:&lt;location&gt;</c>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="start"/> is negative, or <paramref name="end"/> is not after it.</exception>
    public static string Bytes(string location, long start, long end)
    {
        ArgumentException.ThrowIfNullOrEmpty(location);
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(end, start);
        return string.Create(CultureInfo.InvariantCulture, $"bytes:{start}:{end}:{location}");
    }

    /// <summary>Parses a descriptor written by <see cref="Bytes"/>.</summary>
    /// <param name="descriptor">The descriptor.</param>
    /// <returns>The location, the first byte (inclusive) and the end (exclusive).</returns>
    /// <exception cref="FormatException">The descriptor is not a byte range.</exception>
    public static (string Location, long Start, long End) ParseBytes(string descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var parts = descriptor.StartsWith("bytes:", StringComparison.Ordinal) ? descriptor[6..].Split(':', 3) : [];
        if (parts.Length == 3
            && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var end)
            && end > start
            && parts[2].Length > 0)
        {
            return (parts[2], start, end);
        }

        throw new FormatException($"Expected a byte-range descriptor 'bytes:<start>:<endExclusive>:<location>', found '{descriptor}'.");
    }

    /// <summary>Formats a hash bucket partition.</summary>
    /// <param name="bucket">The bucket index.</param>
    /// <param name="count">The number of buckets.</param>
    /// <returns>The descriptor <c>hash:bucket:count</c>.</returns>
    public static string Hash(int bucket, int count) => string.Create(CultureInfo.InvariantCulture, $"hash:{bucket}:{count}");

    /// <summary>Parses a descriptor written by <see cref="Rows"/>.</summary>
    /// <param name="descriptor">The descriptor.</param>
    /// <returns>The start (inclusive) and end (exclusive) rows.</returns>
    /// <exception cref="FormatException">The descriptor is not a row range.</exception>
    public static (long Start, long End) ParseRows(string descriptor) => ParseRange(descriptor, "rows:");

    /// <summary>Parses a descriptor written by <see cref="Keys"/>.</summary>
    /// <param name="descriptor">The descriptor.</param>
    /// <returns>The start (inclusive) and end (exclusive) keys.</returns>
    /// <exception cref="FormatException">The descriptor is not a key range.</exception>
    public static (long Start, long End) ParseKeys(string descriptor) => ParseRange(descriptor, "keys:");

    /// <summary>Parses a descriptor written by <see cref="Hash"/>.</summary>
    /// <param name="descriptor">The descriptor.</param>
    /// <returns>The bucket and the bucket count.</returns>
    /// <exception cref="FormatException">The descriptor is not a hash bucket.</exception>
    public static (int Bucket, int Count) ParseHash(string descriptor)
    {
        var (bucket, count) = ParseRange(descriptor, "hash:");
        return ((int)bucket, (int)count);
    }

    /// <summary>Parses a descriptor written by <see cref="Time"/>.</summary>
    /// <param name="descriptor">The descriptor.</param>
    /// <returns>The start (inclusive) and end (exclusive) instants.</returns>
    /// <exception cref="FormatException">The descriptor is not a time range.</exception>
    public static (DateTimeOffset Start, DateTimeOffset End) ParseTime(string descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        if (!descriptor.StartsWith("time:", StringComparison.Ordinal))
        {
            throw new FormatException($"Expected a time descriptor 'time:<start>|<end>', found '{descriptor}'.");
        }

        var parts = descriptor[5..].Split('|');
        if (parts.Length != 2)
        {
            throw new FormatException($"Expected a time descriptor 'time:<start>|<end>', found '{descriptor}'.");
        }

        return (DateTimeOffset.Parse(parts[0], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
                DateTimeOffset.Parse(parts[1], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal));
    }

    /// <summary>Parses a descriptor written by <see cref="File"/>.</summary>
    /// <param name="descriptor">The descriptor.</param>
    /// <returns>The file path or object key.</returns>
    /// <exception cref="FormatException">The descriptor is not a file.</exception>
    public static string ParseFile(string descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        return descriptor.StartsWith("file:", StringComparison.Ordinal)
            ? descriptor[5..]
            : throw new FormatException($"Expected a file descriptor 'file:<path>', found '{descriptor}'.");
    }

    private static (long, long) ParseRange(string descriptor, string prefix)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        if (descriptor.StartsWith(prefix, StringComparison.Ordinal))
        {
            var parts = descriptor[prefix.Length..].Split(':');
            if (parts.Length == 2
                && long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var a)
                && long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var b))
            {
                return (a, b);
            }
        }

        throw new FormatException($"Expected a descriptor '{prefix}<start>:<end>', found '{descriptor}'.");
    }
}
