using BatchKit.Shared;
using Npgsql;

namespace BatchKit.Postgres;

/// <summary>Configures a <see cref="PostgresSource{T}"/>.</summary>
public sealed class PostgresSourceOptions
{
    /// <summary>Gets or sets the data source to read from; it stays owned by the caller.</summary>
    /// <value>The default value is <see langword="null"/>: <see cref="ConnectionString"/> is used instead.</value>
    public NpgsqlDataSource? DataSource { get; set; }

    /// <summary>Gets or sets the Npgsql connection string, used when <see cref="DataSource"/> is not set; the source then owns its data source.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? ConnectionString { get; set; }

    /// <summary>Gets or sets a read replica that serves every read (pages and the min/max of the key) instead of <see cref="DataSource"/>; it stays owned by the caller.</summary>
    /// <value>The default value is <see langword="null"/>: reads go to the primary.</value>
    public NpgsqlDataSource? ReadReplica { get; set; }

    /// <summary>Gets or sets the table (or view), optionally schema-qualified (<c>schema.table</c>); each part is quoted as given.</summary>
    /// <value>The default value is the empty string; it must be set.</value>
    [RequiredText]
    public string Table { get; set; } = string.Empty;

    /// <summary>Gets or sets the key column: an integer column (<c>smallint</c>, <c>integer</c> or <c>bigint</c>), unique, that partitions are ranges of and pages are ordered by.</summary>
    /// <value>The default value is <c>id</c>.</value>
    [RequiredText]
    public string KeyColumn { get; set; } = "id";

    /// <summary>Gets or sets the columns to select, quoted as given; the key column must be among them.</summary>
    /// <value>The default value is empty: every column (<c>*</c>).</value>
    public IList<string> Columns { get; } = [];

    /// <summary>
    /// Gets or sets how the column of each property is found among the selected columns, when the source maps rows
    /// itself (no row mapper is given). Two columns matching one property is an error naming the table, both columns
    /// and the property.
    /// </summary>
    /// <value>
    /// The default value is <see cref="ColumnNaming.SnakeCase"/>: <c>EventDate</c> reads <c>EventDate</c> or
    /// <c>event_date</c>, ignoring case.
    /// </value>
    public ColumnNaming ColumnNaming { get; set; } = ColumnNaming.SnakeCase;

    /// <summary>Gets or sets how many rows one query reads.</summary>
    /// <value>The default value is 10,000.</value>
    [Between(1, 10_000_000)]
    public int PageSize { get; set; } = 10_000;
}
