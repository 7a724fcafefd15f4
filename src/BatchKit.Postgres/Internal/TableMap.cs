using System.Reflection;

namespace BatchKit.Postgres.Internal;

/// <summary>One mapped column: its name, the property it comes from and a getter.</summary>
internal sealed record MappedColumn(string Name, PropertyInfo Property, Func<object, object?> Get)
{
    public string Quoted { get; } = Pg.Quote(Name);
}

/// <summary>The resolved mapping of a record type to a table.</summary>
internal sealed class TableMap<T>
{
    private TableMap(string table, IReadOnlyList<MappedColumn> columns, IReadOnlyList<MappedColumn> key)
    {
        Table = table;
        QuotedTable = Pg.QuoteQualified(table);
        Columns = columns;
        Key = key;
        ColumnList = string.Join(", ", columns.Select(c => c.Quoted));
    }

    public string Table { get; }

    public string QuotedTable { get; }

    public IReadOnlyList<MappedColumn> Columns { get; }

    public IReadOnlyList<MappedColumn> Key { get; }

    /// <summary>Gets the quoted column names, comma-separated, in mapping order.</summary>
    public string ColumnList { get; }

    public static TableMap<T> Create(PostgresTableMapping<T> mapping)
    {
        var columns = new List<MappedColumn>();
        foreach (var property in typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (!property.CanRead || property.GetIndexParameters().Length > 0 || mapping.Ignored.Contains(property.Name))
            {
                continue;
            }

            var name = BatchKit.Shared.ColumnMatcher.WriteName(mapping.ColumnNaming, property.Name, mapping.Names.GetValueOrDefault(property.Name));
            columns.Add(new MappedColumn(name, property, property.GetValue));
        }

        if (columns.Count == 0)
        {
            throw new ArgumentException($"{typeof(T).Name} has no public readable property to map to table '{mapping.TableName}'.", nameof(mapping));
        }

        var key = mapping.Key.Select(k => columns.FirstOrDefault(c => c.Property.Name == k)
            ?? throw new ArgumentException($"The key property {typeof(T).Name}.{k} of table '{mapping.TableName}' is ignored.", nameof(mapping))).ToList();
        return new TableMap<T>(mapping.TableName, columns, key);
    }

    /// <summary>Gets the PostgreSQL type of a created table's column for a property type, or <see langword="null"/> when it has none.</summary>
    public static (string Type, bool NotNull)? SqlType(Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        var notNull = type.IsValueType && underlying is null;
        var sql = (underlying ?? type) switch
        {
            var t when t == typeof(long) => "bigint",
            var t when t == typeof(int) => "integer",
            var t when t == typeof(short) => "smallint",
            var t when t == typeof(string) => "text",
            var t when t == typeof(bool) => "boolean",
            var t when t == typeof(double) => "double precision",
            var t when t == typeof(float) => "real",
            var t when t == typeof(decimal) => "numeric",
            var t when t == typeof(DateTime) => "timestamp without time zone",
            var t when t == typeof(DateTimeOffset) => "timestamp with time zone",
            var t when t == typeof(DateOnly) => "date",
            var t when t == typeof(TimeOnly) => "time without time zone",
            var t when t == typeof(TimeSpan) => "interval",
            var t when t == typeof(Guid) => "uuid",
            var t when t == typeof(byte[]) => "bytea",
            _ => null,
        };
        return sql is null ? null : (sql, notNull);
    }
}
