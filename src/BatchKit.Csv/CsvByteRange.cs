using System.Globalization;

namespace BatchKit.Csv;

/// <summary>
/// The byte range <c>[Start, End)</c> of a CSV file that one partition reads (a <c>bytes:</c> descriptor): the records
/// whose first byte lies inside it.
/// </summary>
/// <param name="Start">The first byte, inclusive.</param>
/// <param name="End">The end, exclusive.</param>
internal sealed record CsvByteRange(long Start, long End)
{
    /// <summary>Names a column of a report: its header name, or its number past the header.</summary>
    public static string ColumnName(IReadOnlyList<string> columns, int field) =>
        field < 0 ? "row"
        : field < columns.Count ? "column '" + columns[field] + "'"
        : "column " + (field + 1).ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Builds the failure of a record found to hold a line break inside a quoted value while reading this range. The
    /// line number is counted from the start of the file, once, for this message only.
    /// </summary>
    public async ValueTask<InvalidDataException> LineBreakInValueAsync(
        IInputOpener opener, string path, long recordStart, IReadOnlyList<string> columns, int field, CancellationToken cancellationToken)
    {
        var line = 1 + await CsvText.CountLineBreaksAsync(await opener.OpenReadAsync(path, cancellationToken).ConfigureAwait(false), recordStart, cancellationToken).ConfigureAwait(false);
        var where = string.Create(CultureInfo.InvariantCulture, $"{path}, row at byte {recordStart} (line {line}), {ColumnName(columns, field)}");
        var range = string.Create(CultureInfo.InvariantCulture, $"[{Start}, {End})");
        return new InvalidDataException(
            where + ": expected a value without line breaks, found a quoted value holding one. This partition reads the byte range " +
            range + " of the file, and byte ranges are aligned to line starts, so a range boundary inside such a value would cut " +
            "its record in two. Partition this file per file instead (CsvFilePartitioner, or the partitioner given to " +
            "ByteRangePartitioner) and run again with RunOptions.Reprocess.");
    }
}
