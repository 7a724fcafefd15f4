using System.Globalization;

namespace BatchKit.Parquet;

/// <summary>
/// Formats and parses the partition descriptors of Parquet partitions: <c>file:&lt;path&gt;</c> for a whole file
/// (<see cref="PartitionDescriptor.File"/>) and <c>parquet:&lt;path&gt;#rg=&lt;first&gt;-&lt;endExclusive&gt;</c> for a
/// range of row groups.
/// </summary>
public static class ParquetPartitionDescriptor
{
    private const string Prefix = "parquet:";
    private const string RowGroupMarker = "#rg=";

    /// <summary>Formats a descriptor for the row groups <c>[firstRowGroup, endRowGroup)</c> of a file.</summary>
    /// <param name="path">The file path.</param>
    /// <param name="firstRowGroup">The first row group, inclusive.</param>
    /// <param name="endRowGroup">The last row group, exclusive.</param>
    /// <returns>The descriptor <c>parquet:path#rg=first-end</c>.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The range is negative or empty.</exception>
    public static string Format(string path, int firstRowGroup, int endRowGroup)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfNegative(firstRowGroup);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(endRowGroup, firstRowGroup);
        return string.Create(CultureInfo.InvariantCulture, $"{Prefix}{path}{RowGroupMarker}{firstRowGroup}-{endRowGroup}");
    }

    /// <summary>Parses a <c>parquet:</c> descriptor written by <see cref="Format"/>, or a <c>file:</c> descriptor.</summary>
    /// <param name="descriptor">The descriptor.</param>
    /// <returns>The file and the row groups to read.</returns>
    /// <exception cref="FormatException">The descriptor is neither form.</exception>
    public static ParquetPartitionSlice Parse(string descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        if (descriptor.StartsWith("file:", StringComparison.Ordinal))
        {
            return new ParquetPartitionSlice(PartitionDescriptor.ParseFile(descriptor), 0, null);
        }

        var marker = descriptor.LastIndexOf(RowGroupMarker, StringComparison.Ordinal);
        if (descriptor.StartsWith(Prefix, StringComparison.Ordinal) && marker > Prefix.Length)
        {
            var range = descriptor[(marker + RowGroupMarker.Length)..].Split('-');
            if (range.Length == 2
                && int.TryParse(range[0], NumberStyles.None, CultureInfo.InvariantCulture, out var first)
                && int.TryParse(range[1], NumberStyles.None, CultureInfo.InvariantCulture, out var end)
                && end > first)
            {
                return new ParquetPartitionSlice(descriptor[Prefix.Length..marker], first, end);
            }
        }

        throw new FormatException(
            $"Expected a Parquet partition descriptor 'file:<path>' or 'parquet:<path>#rg=<first>-<endExclusive>', found '{descriptor}'.");
    }
}
