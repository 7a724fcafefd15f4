namespace BatchKit;

/// <summary>
/// How an adapter names the column (header, field) of a record property when it writes, and which column it reads a
/// property from. Every adapter that maps properties to columns takes one: the CSV source and sink options, the
/// Parquet record map, the DuckDB and PostgreSQL table mappings, and the PostgreSQL source options.
/// </summary>
/// <remarks>
/// <para>
/// An explicit column name (<c>ColumnNames</c>, <c>Map</c>, <c>HasColumnName</c>) always wins over the policy; it is
/// written as given and read exactly, or ignoring case and surrounding whitespace unless the policy is
/// <see cref="Exact"/>.
/// </para>
/// <para>
/// Reading, the comparisons of the policy are tried in order, strictest first: the first comparison that finds a
/// column decides. When it finds two or more columns for one property, the mapping is ambiguous and the adapter fails
/// with an error naming the file or table, the columns and the property, instead of picking one.
/// </para>
/// <para>See docs/column-naming.md for the table of which adapter uses which policy by default.</para>
/// </remarks>
public enum ColumnNaming
{
    /// <summary>Columns are named exactly like the property: written as is, read by ordinal comparison only.</summary>
    Exact,

    /// <summary>
    /// Columns are written with the property name as is, and read by the property name exactly, else ignoring case
    /// and surrounding whitespace (<c>" Origin "</c> and <c>origin</c> both find <c>Origin</c>).
    /// </summary>
    IgnoreCase,

    /// <summary>
    /// Columns are written in snake_case (<c>UserId</c> as <c>user_id</c>, <c>HTTPStatus</c> as <c>http_status</c>), and
    /// read as with <see cref="IgnoreCase"/>, else ignoring case and underscores (<c>user_id</c>, <c>USERID</c> and
    /// <c>UserId</c> all find <c>UserId</c>).
    /// </summary>
    SnakeCase,

    /// <summary>
    /// Columns are written with the property name as is, and read as with <see cref="IgnoreCase"/>, else comparing
    /// letters and digits only, ignoring case: <c>zip_code</c> finds <c>ZipCode</c>, <c>Origin State</c> finds
    /// <c>OriginState</c>, and <c>Cost Total $</c> finds <c>CostTotal</c>.
    /// </summary>
    LettersAndDigits,
}
