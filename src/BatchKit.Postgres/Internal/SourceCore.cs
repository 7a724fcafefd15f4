using Npgsql;

namespace BatchKit.Postgres.Internal;

/// <summary>What a <see cref="PostgresSource{T}"/> shares between its readers: the statements, the data sources and the row mapping.</summary>
internal sealed class SourceCore<T>
{
    private readonly Func<NpgsqlDataReader, T>? _map;
    private readonly RowBinder<T>? _binder;
    private Func<NpgsqlDataReader, T>? _bound;

    public SourceCore(PostgresSourceOptions options, NpgsqlDataSource primary, Func<NpgsqlDataReader, T>? map)
    {
        Table = options.Table;
        KeyColumn = options.KeyColumn;
        PageSize = options.PageSize;
        ReadSource = options.ReadReplica ?? primary;
        Server = Pg.Describe(ReadSource);
        _map = map;
        _binder = map is null ? new RowBinder<T>(options.ColumnNaming) : null;
        var table = Pg.QuoteQualified(options.Table);
        var key = Pg.Quote(options.KeyColumn);
        var columns = options.Columns.Count == 0 ? "*" : string.Join(", ", options.Columns.Select(Pg.Quote));
        PageSql = $"SELECT {columns} FROM {table} WHERE {key} > @bk_last AND {key} <= @bk_hi ORDER BY {key} LIMIT @bk_limit";
        BoundsSql = $"SELECT min({key})::bigint, max({key})::bigint FROM {table}";
    }

    public string Table { get; }

    public string KeyColumn { get; }

    public int PageSize { get; }

    public NpgsqlDataSource ReadSource { get; }

    public string Server { get; }

    public string PageSql { get; }

    public string BoundsSql { get; }

    public int KeyOrdinal(NpgsqlDataReader reader)
    {
        for (var i = 0; i < reader.FieldCount; i++)
        {
            if (string.Equals(reader.GetName(i), KeyColumn, StringComparison.Ordinal))
            {
                return i;
            }
        }

        throw new BatchKitException($"PostgreSQL source table '{Table}': the selected columns do not include the key column '{KeyColumn}'; add it to PostgresSourceOptions.Columns.") { IsTransient = false };
    }

    public Func<NpgsqlDataReader, T> Mapper(NpgsqlDataReader reader) => _map ?? (_bound ??= _binder!.Bind(reader, Table));
}
