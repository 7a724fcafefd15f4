using System.Linq.Expressions;
using System.Reflection;

namespace BatchKit.DuckDb;

/// <summary>
/// Describes how a record type maps to a DuckDB table: the table name, one column per public readable property
/// (snake_case names by default, <c>EventDate</c> becomes <c>event_date</c>; see <see cref="UseColumnNaming"/>), the DuckDB type of each column, and the
/// primary key.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
/// <remarks>
/// <para>
/// Default column types: <see cref="long"/> BIGINT, <see cref="int"/> INTEGER, <see cref="short"/> SMALLINT,
/// <see cref="sbyte"/> TINYINT, <see cref="byte"/> UTINYINT, <see cref="ushort"/> USMALLINT, <see cref="uint"/> UINTEGER,
/// <see cref="ulong"/> UBIGINT, <see cref="double"/> DOUBLE, <see cref="float"/> FLOAT, <see cref="decimal"/> DECIMAL(38,9),
/// <see cref="string"/> VARCHAR, <see cref="bool"/> BOOLEAN, <see cref="DateTime"/> TIMESTAMP, <see cref="DateOnly"/> DATE,
/// <see cref="TimeOnly"/> TIME, <see cref="TimeSpan"/> INTERVAL, <see cref="Guid"/> UUID, <c>byte[]</c> BLOB.
/// Non-nullable value types and non-nullable reference types (per nullable annotations) become <c>NOT NULL</c>.
/// Properties of other types must be ignored with <see cref="Ignore"/>.
/// </para>
/// <para>
/// Configure the mapping before handing it to a sink or source: they take a snapshot when they are created, so later
/// changes do not affect them. Not thread-safe while being configured.
/// </para>
/// </remarks>
public sealed class DuckDbTableMapping<T>
{
    private readonly Dictionary<string, string> _columnNames = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _columnTypes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _ignored = new(StringComparer.Ordinal);
    private readonly List<string> _key = [];

    /// <summary>Initializes a new instance of the <see cref="DuckDbTableMapping{T}"/> class.</summary>
    /// <param name="tableName">The table name, an unqualified identifier (it is quoted in SQL, so case and spaces are kept).</param>
    /// <exception cref="ArgumentException"><paramref name="tableName"/> is empty.</exception>
    public DuckDbTableMapping(string tableName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tableName);
        TableName = tableName;
    }

    /// <summary>Gets the table name.</summary>
    public string TableName { get; }

    /// <summary>
    /// Sets the primary key: the columns an upsert matches on, declared as <c>PRIMARY KEY</c> when the table is created.
    /// </summary>
    /// <param name="properties">The key properties, in key order, for example <c>x =&gt; x.EventDate, x =&gt; x.UserId</c>.</param>
    /// <returns>The same mapping instance, so calls can be chained.</returns>
    /// <exception cref="ArgumentException">No property is given, or an expression is not a property of <typeparamref name="T"/>.</exception>
    public DuckDbTableMapping<T> HasKey(params Expression<Func<T, object?>>[] properties)
    {
        ArgumentNullException.ThrowIfNull(properties);
        if (properties.Length == 0)
        {
            throw new ArgumentException("Expected at least one key property, found none.", nameof(properties));
        }

        _key.Clear();
        foreach (var property in properties)
        {
            var name = PropertyName(property);
            if (_key.Contains(name))
            {
                throw new ArgumentException($"The key property '{name}' is given twice.", nameof(properties));
            }

            _key.Add(name);
        }

        return this;
    }

    /// <summary>Overrides the column name of a property (default: the property name in snake_case).</summary>
    /// <param name="property">The property.</param>
    /// <param name="columnName">The column name.</param>
    /// <returns>The same mapping instance, so calls can be chained.</returns>
    /// <exception cref="ArgumentException">The expression is not a property of <typeparamref name="T"/>, or the name is empty.</exception>
    public DuckDbTableMapping<T> HasColumnName(Expression<Func<T, object?>> property, string columnName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(columnName);
        _columnNames[PropertyName(property)] = columnName;
        return this;
    }

    /// <summary>
    /// Sets how the columns of properties without a <see cref="HasColumnName"/> entry are named:
    /// <see cref="ColumnNaming.SnakeCase"/> (the default) names <c>EventDate</c> <c>event_date</c>; the other policies
    /// keep the property name as is (<c>EventDate</c>, quoted in SQL so the case is kept).
    /// </summary>
    /// <param name="naming">The policy.</param>
    /// <returns>The same mapping instance, so calls can be chained.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="naming"/> is not a defined policy.</exception>
    public DuckDbTableMapping<T> UseColumnNaming(ColumnNaming naming)
    {
        if (!Enum.IsDefined(naming))
        {
            throw new ArgumentOutOfRangeException(nameof(naming), naming, "Expected a defined ColumnNaming policy.");
        }

        ColumnNaming = naming;
        return this;
    }

    /// <summary>Overrides the DuckDB type of a property's column, for example <c>DECIMAL(18,2)</c> or <c>VARCHAR</c>.</summary>
    /// <param name="property">The property.</param>
    /// <param name="duckDbType">The DuckDB type, as written in <c>CREATE TABLE</c>; values are cast to it when read.</param>
    /// <returns>The same mapping instance, so calls can be chained.</returns>
    /// <exception cref="ArgumentException">The expression is not a property of <typeparamref name="T"/>, or the type is empty.</exception>
    public DuckDbTableMapping<T> HasColumnType(Expression<Func<T, object?>> property, string duckDbType)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(duckDbType);
        _columnTypes[PropertyName(property)] = duckDbType;
        return this;
    }

    /// <summary>Leaves a property out of the table.</summary>
    /// <param name="property">The property.</param>
    /// <returns>The same mapping instance, so calls can be chained.</returns>
    /// <exception cref="ArgumentException">The expression is not a property of <typeparamref name="T"/>.</exception>
    public DuckDbTableMapping<T> Ignore(Expression<Func<T, object?>> property)
    {
        _ignored.Add(PropertyName(property));
        return this;
    }

    /// <summary>Returns the <c>CREATE TABLE IF NOT EXISTS</c> statement of the mapped table.</summary>
    /// <returns>The SQL text.</returns>
    /// <exception cref="InvalidOperationException">The mapping is invalid (for example a property type has no DuckDB type).</exception>
    public string ToCreateTableSql() => Internal.TableMap<T>.Create(this).CreateTableSql(TableName, withKey: true, temp: false, extraColumns: []);

    internal IReadOnlyDictionary<string, string> ColumnNames => _columnNames;

    internal ColumnNaming ColumnNaming { get; private set; } = ColumnNaming.SnakeCase;

    internal IReadOnlyDictionary<string, string> ColumnTypes => _columnTypes;

    internal IReadOnlySet<string> Ignored => _ignored;

    internal IReadOnlyList<string> Key => _key;

    private static string PropertyName(Expression<Func<T, object?>> property)
    {
        ArgumentNullException.ThrowIfNull(property);
        var body = property.Body is UnaryExpression { NodeType: ExpressionType.Convert or ExpressionType.ConvertChecked } convert
            ? convert.Operand
            : property.Body;
        if (body is MemberExpression { Member: PropertyInfo info } member && member.Expression == property.Parameters[0])
        {
            return info.Name;
        }

        throw new ArgumentException(
            $"Expected a property of {typeof(T).Name} such as 'x => x.Id', found '{property}'.", nameof(property));
    }
}
