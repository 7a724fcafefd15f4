using System.Data.Common;
using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;
using BatchKit.Shared;
using DuckDB.NET.Data;

namespace BatchKit.DuckDb.Internal;

/// <summary>
/// An immutable snapshot of a <see cref="DuckDbTableMapping{T}"/>, with the row appender and the row reader compiled
/// once into delegates (no reflection per row).
/// </summary>
internal sealed class TableMap<T>
{
    private static readonly Dictionary<Type, string> DefaultTypes = new()
    {
        [typeof(long)] = "BIGINT",
        [typeof(int)] = "INTEGER",
        [typeof(short)] = "SMALLINT",
        [typeof(sbyte)] = "TINYINT",
        [typeof(byte)] = "UTINYINT",
        [typeof(ushort)] = "USMALLINT",
        [typeof(uint)] = "UINTEGER",
        [typeof(ulong)] = "UBIGINT",
        [typeof(double)] = "DOUBLE",
        [typeof(float)] = "FLOAT",
        [typeof(decimal)] = "DECIMAL(38,9)",
        [typeof(string)] = "VARCHAR",
        [typeof(bool)] = "BOOLEAN",
        [typeof(DateTime)] = "TIMESTAMP",
        [typeof(DateOnly)] = "DATE",
        [typeof(TimeOnly)] = "TIME",
        [typeof(TimeSpan)] = "INTERVAL",
        [typeof(Guid)] = "UUID",
        [typeof(byte[])] = "BLOB",
    };

    private readonly Lazy<Func<DbDataReader, T>> _reader;

    private TableMap(string table, IReadOnlyList<MappedColumn> columns, IReadOnlyList<MappedColumn> key)
    {
        Table = table;
        QuotedTable = Sql.Quote(table);
        Columns = columns;
        Key = key;
        ColumnList = string.Join(", ", columns.Select(c => c.Quoted));
        Append = CompileAppender(columns);
        _reader = new Lazy<Func<DbDataReader, T>>(() => CompileReader(columns));
    }

    public string Table { get; }

    public string QuotedTable { get; }

    public IReadOnlyList<MappedColumn> Columns { get; }

    public IReadOnlyList<MappedColumn> Key { get; }

    /// <summary>Gets the quoted column names joined with commas, in column order.</summary>
    public string ColumnList { get; }

    /// <summary>Gets the compiled delegate that appends a record's values, in column order, to an appender row.</summary>
    public Func<IDuckDBAppenderRow, T, IDuckDBAppenderRow> Append { get; }

    /// <summary>Gets the compiled delegate that creates a record from the current row of a reader whose columns are <see cref="Columns"/>, in order.</summary>
    /// <exception cref="InvalidOperationException">The record type cannot be constructed from the columns.</exception>
    public Func<DbDataReader, T> Read => _reader.Value;

    public static TableMap<T> Create(DuckDbTableMapping<T> mapping)
    {
        var nullability = new NullabilityInfoContext();
        var properties = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.GetIndexParameters().Length == 0 && p.GetMethod!.IsPublic)
            .ToDictionary(p => p.Name, StringComparer.Ordinal);
        foreach (var name in mapping.Ignored.Concat(mapping.Key).Concat(mapping.ColumnNames.Keys).Concat(mapping.ColumnTypes.Keys))
        {
            if (!properties.ContainsKey(name))
            {
                throw new InvalidOperationException($"Table '{mapping.TableName}': {typeof(T).Name}.{name} is not a public readable property.");
            }
        }

        var keySet = mapping.Key.ToHashSet(StringComparer.Ordinal);
        var columns = new List<MappedColumn>();
        foreach (var property in properties.Values.Where(p => !mapping.Ignored.Contains(p.Name)))
        {
            var underlying = Nullable.GetUnderlyingType(property.PropertyType);
            var valueType = underlying ?? property.PropertyType;
            if (!DefaultTypes.TryGetValue(valueType, out var duckDbType))
            {
                throw new InvalidOperationException(
                    $"Table '{mapping.TableName}': property {typeof(T).Name}.{property.Name} has type {property.PropertyType.Name}, which has no DuckDB column type; " +
                    $"expected one of {string.Join(", ", DefaultTypes.Keys.Select(t => t.Name))} (or their nullable forms), or ignore the property.");
            }

            if (mapping.ColumnTypes.TryGetValue(property.Name, out var overridden))
            {
                duckDbType = overridden;
            }

            var notNull = keySet.Contains(property.Name) || (property.PropertyType.IsValueType
                ? underlying is null
                : nullability.Create(property).ReadState == NullabilityState.NotNull);
            var name = ColumnMatcher.WriteName(mapping.ColumnNaming, property.Name, mapping.ColumnNames.GetValueOrDefault(property.Name));
            columns.Add(new MappedColumn(property, name, duckDbType, notNull));
        }

        if (columns.Count == 0)
        {
            throw new InvalidOperationException($"Table '{mapping.TableName}': {typeof(T).Name} has no mappable public property.");
        }

        var duplicate = columns.GroupBy(c => c.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException(
                $"Table '{mapping.TableName}': properties {string.Join(" and ", duplicate.Select(c => c.Property.Name))} map to the same column '{duplicate.Key}'.");
        }

        var key = mapping.Key.Select(k => columns.Single(c => c.Property.Name == k)).ToArray();
        return new TableMap<T>(mapping.TableName, columns, key);
    }

    /// <summary>Returns <c>CREATE [TEMP] TABLE IF NOT EXISTS</c> for these columns plus extra column definitions.</summary>
    public string CreateTableSql(string table, bool withKey, bool temp, IReadOnlyList<string> extraColumns)
    {
        var definitions = Columns.Select(c => c.Definition).Concat(extraColumns).ToList();
        if (withKey && Key.Count > 0)
        {
            definitions.Add("PRIMARY KEY (" + string.Join(", ", Key.Select(k => k.Quoted)) + ")");
        }

        return string.Create(
            CultureInfo.InvariantCulture,
            $"CREATE {(temp ? "TEMP " : string.Empty)}TABLE IF NOT EXISTS {Sql.Quote(table)} ({string.Join(", ", definitions)})");
    }

    /// <summary>Returns the select list that casts every column to its mapped type, for reading.</summary>
    public string CastSelectList() => string.Join(", ", Columns.Select(c => $"CAST({c.Quoted} AS {c.DuckDbType}) AS {c.Quoted}"));

    private static Func<IDuckDBAppenderRow, T, IDuckDBAppenderRow> CompileAppender(IReadOnlyList<MappedColumn> columns)
    {
        // The concrete row type has overloads (DateOnly, TimeOnly) that IDuckDBAppenderRow lacks, and its calls are not virtual.
        var row = Expression.Parameter(typeof(IDuckDBAppenderRow), "row");
        var record = Expression.Parameter(typeof(T), "record");
        var concrete = Expression.Variable(typeof(DuckDBAppenderRow), "concrete");
        var body = new List<Expression> { Expression.Assign(concrete, Expression.Convert(row, typeof(DuckDBAppenderRow))) };
        foreach (var column in columns)
        {
            var type = column.Property.PropertyType;
            var argumentType = type.IsValueType && Nullable.GetUnderlyingType(type) is null ? typeof(Nullable<>).MakeGenericType(type) : type;
            var method = typeof(DuckDBAppenderRow).GetMethod(nameof(DuckDBAppenderRow.AppendValue), [argumentType])
                ?? throw new InvalidOperationException($"The DuckDB appender cannot append values of type {type.Name} (property {column.Property.Name}).");
            Expression value = Expression.Property(record, column.Property);
            if (value.Type != argumentType)
            {
                value = Expression.Convert(value, argumentType);
            }

            body.Add(Expression.Call(concrete, method, value));
        }

        body.Add(Expression.Convert(concrete, typeof(IDuckDBAppenderRow)));
        return Expression.Lambda<Func<IDuckDBAppenderRow, T, IDuckDBAppenderRow>>(Expression.Block([concrete], body), row, record).Compile();
    }

    private static Func<DbDataReader, T> CompileReader(IReadOnlyList<MappedColumn> columns)
    {
        var reader = Expression.Parameter(typeof(DbDataReader), "reader");
        var values = new Dictionary<PropertyInfo, Expression>();
        for (var i = 0; i < columns.Count; i++)
        {
            var column = columns[i];
            var type = column.Property.PropertyType;
            var underlying = Nullable.GetUnderlyingType(type);
            var method = underlying is not null
                ? typeof(ValueReaders).GetMethod(nameof(ValueReaders.ReadNullable))!.MakeGenericMethod(underlying)
                : typeof(ValueReaders).GetMethod(nameof(ValueReaders.Read))!.MakeGenericMethod(type);
            values[column.Property] = Expression.Call(method, reader, Expression.Constant(i), Expression.Constant(column.Name), Expression.Constant(column.NotNull || type.IsValueType));
        }

        var constructor = typeof(T).GetConstructor(Type.EmptyTypes) ?? FindConstructor(columns);
        var parameters = constructor.GetParameters();
        var arguments = parameters.Select(p => values[columns.First(c => Matches(c, p)).Property]).ToArray();
        var bound = parameters.Select(p => columns.First(c => Matches(c, p)).Property).ToHashSet();
        var bindings = new List<MemberBinding>();
        foreach (var column in columns.Where(c => !bound.Contains(c.Property)))
        {
            if (column.Property.SetMethod is not { IsPublic: true })
            {
                throw new InvalidOperationException(
                    $"Cannot create {typeof(T).Name} from table rows: property {column.Property.Name} (column '{column.Name}') has no public setter and no constructor parameter.");
            }

            bindings.Add(Expression.Bind(column.Property, values[column.Property]));
        }

        var body = Expression.MemberInit(Expression.New(constructor, arguments), bindings);
        return Expression.Lambda<Func<DbDataReader, T>>(body, reader).Compile();
    }

    private static ConstructorInfo FindConstructor(IReadOnlyList<MappedColumn> columns) =>
        typeof(T).GetConstructors()
            .Where(c => c.GetParameters().All(p => columns.Any(col => Matches(col, p))))
            .OrderByDescending(c => c.GetParameters().Length)
            .FirstOrDefault()
        ?? throw new InvalidOperationException(
            $"Cannot create {typeof(T).Name} from table rows: expected a public parameterless constructor or one whose parameters match mapped properties by name and type.");

    private static bool Matches(MappedColumn column, ParameterInfo parameter) =>
        string.Equals(column.Property.Name, parameter.Name, StringComparison.OrdinalIgnoreCase) && column.Property.PropertyType == parameter.ParameterType;
}
