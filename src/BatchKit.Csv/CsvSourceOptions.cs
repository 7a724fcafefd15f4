using System.Globalization;

namespace BatchKit.Csv;

/// <summary>Configures how a <see cref="CsvSource{T}"/> reads CSV files.</summary>
/// <remarks>Files are read as UTF-8 (a byte order mark at the start is skipped); positions are byte offsets.</remarks>
public sealed class CsvSourceOptions
{
    /// <summary>Gets or sets the culture that numbers and dates are parsed with.</summary>
    /// <value>The default value is <see cref="CultureInfo.InvariantCulture"/>.</value>
    public CultureInfo Culture { get; set; } = CultureInfo.InvariantCulture;

    /// <summary>Gets or sets the field delimiter, or <see langword="null"/> to detect it from the first line.</summary>
    /// <value>The default value is <c>','</c>.</value>
    public char? Delimiter { get; set; } = ',';

    /// <summary>Gets or sets a value indicating whether the first row of each file is a header naming the columns.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    /// <remarks>
    /// Without a header the columns are, in order, <see cref="Columns"/> when it is not empty, otherwise the
    /// record type's properties in declaration order (the order a <see cref="CsvSink{T}"/> writes them in).
    /// </remarks>
    public bool HasHeader { get; set; } = true;

    /// <summary>Gets the column names of files without a header, in file order.</summary>
    /// <value>The default value is an empty list.</value>
    public IList<string> Columns { get; } = new List<string>();

    /// <summary>
    /// Gets the column name to read each property from, for the properties whose column is not named like the
    /// property. Keys are property names (case-insensitive). An entry wins over <see cref="ColumnNaming"/>; its column
    /// is matched exactly first, then ignoring case and surrounding whitespace.
    /// </summary>
    /// <value>The default value is an empty map.</value>
    public IDictionary<string, string> ColumnNames { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Gets or sets how the column of a property without a <see cref="ColumnNames"/> entry is found in the header (or
    /// named, for files without a header and without <see cref="Columns"/>). Two columns matching one property is an
    /// error naming the file, both columns and the property.
    /// </summary>
    /// <value>
    /// The default value is <see cref="ColumnNaming.IgnoreCase"/>: the property name exactly, else ignoring case and
    /// surrounding whitespace. <see cref="ColumnNaming.LettersAndDigits"/> also finds <c>zip_code</c> for <c>ZipCode</c>
    /// and <c>Cost Total $</c> for <c>CostTotal</c>.
    /// </value>
    public ColumnNaming ColumnNaming { get; set; } = ColumnNaming.IgnoreCase;

    /// <summary>
    /// Gets or sets a value indicating whether partitions that are byte ranges of a file (<c>bytes:</c> descriptors,
    /// planned by <see cref="ByteRangePartitioner"/>) are read. Set it only for files in which no quoted value holds a
    /// line break: ranges are aligned to line starts, and a line break inside a value is not a record boundary.
    /// </summary>
    /// <value>The default value is <see langword="false"/>: a byte-range partition fails to open with an error naming this option.</value>
    /// <remarks>
    /// A range reads the records whose first byte lies inside it: it begins at the first line start at or after its
    /// start (the range at byte 0 skips the header line; every range reads the column names from the start of the file)
    /// and ends after the record that begins before its end. A record found to hold a line break in a quoted value
    /// fails the partition at once (an <see cref="InvalidDataException"/> naming the file, byte offset, line and column):
    /// the range holding the first such record of a file always finds it, so a run over such a file never completes.
    /// </remarks>
    public bool ReadByteRanges { get; set; }

    /// <summary>Gets or sets a value indicating whether spaces and tabs around unquoted values are removed.</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool TrimWhitespace { get; set; }
}
