using BatchKit.Shared;

namespace BatchKit.DuckDb;

/// <summary>Configures a <see cref="DuckDbSource{T}"/>.</summary>
public sealed class DuckDbSourceOptions
{
    /// <summary>Gets or sets the DuckDB.NET connection string, for example <c>Data Source=/data/warehouse.duckdb</c>.</summary>
    /// <value>The default value is an empty string, which is invalid: set it.</value>
    [RequiredText]
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>
    /// Gets or sets the query whose result is read; its columns are matched to the mapping's columns by name and cast
    /// to the mapped types. When <see langword="null"/>, the mapping's table is read.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? Query { get; set; }

    /// <summary>
    /// Gets or sets the integer column that partitions are key ranges of. When <see langword="null"/>, the mapping's
    /// first key column is used.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? KeyColumn { get; set; }

    /// <summary>
    /// Gets the columns that order rows with equal <see cref="KeyColumn"/> values. Together with the key column they
    /// must identify a row, because a resumed partition skips the rows it already returned by position. When empty,
    /// the mapping's other key columns are used, or every mapped column if the mapping has no key.
    /// </summary>
    /// <value>The default value is an empty list.</value>
    public IList<string> TiebreakColumns { get; } = [];
}
