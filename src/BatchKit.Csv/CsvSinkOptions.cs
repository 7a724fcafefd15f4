using System.Globalization;

namespace BatchKit.Csv;

/// <summary>Configures how a <see cref="CsvSink{T}"/> writes CSV files.</summary>
/// <remarks>Files are written as UTF-8 without a byte order mark, with CRLF line endings (RFC 4180).</remarks>
public sealed class CsvSinkOptions
{
    /// <summary>Gets or sets the culture that numbers are formatted with. Dates are always written in ISO 8601 round-trip format.</summary>
    /// <value>The default value is <see cref="CultureInfo.InvariantCulture"/>.</value>
    public CultureInfo Culture { get; set; } = CultureInfo.InvariantCulture;

    /// <summary>Gets or sets the field delimiter.</summary>
    /// <value>The default value is <c>','</c>.</value>
    public char Delimiter { get; set; } = ',';

    /// <summary>Gets or sets a value indicating whether each file starts with a header row of column names.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool HasHeader { get; set; } = true;

    /// <summary>
    /// Gets the column name to write each property under, for the properties whose column is not named like the
    /// property. Keys are property names (case-insensitive). An entry wins over <see cref="ColumnNaming"/>.
    /// </summary>
    /// <value>The default value is an empty map.</value>
    public IDictionary<string, string> ColumnNames { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Gets or sets how the header names the column of a property without a <see cref="ColumnNames"/> entry:
    /// <see cref="ColumnNaming.SnakeCase"/> writes <c>ZipCode</c> as <c>zip_code</c>; the other policies write the
    /// property name as is.
    /// </summary>
    /// <value>The default value is <see cref="ColumnNaming.Exact"/>: the property name.</value>
    public ColumnNaming ColumnNaming { get; set; } = ColumnNaming.Exact;
}
