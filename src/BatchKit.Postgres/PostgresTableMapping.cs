using System.Linq.Expressions;
using System.Reflection;

namespace BatchKit.Postgres;

/// <summary>
/// Maps a record type to a PostgreSQL table: every public readable property is a column named in snake_case
/// (<c>EventDate</c> is <c>event_date</c>, see <see cref="UseColumnNaming"/>), unless renamed or ignored here.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
/// <remarks>Configure it before the sink or source that uses it is created; it is read once then.</remarks>
public sealed class PostgresTableMapping<T>
{
    private readonly Dictionary<string, string> _names = new(StringComparer.Ordinal);
    private readonly HashSet<string> _ignored = new(StringComparer.Ordinal);
    private readonly List<string> _key = [];

    /// <summary>Initializes a new instance of the <see cref="PostgresTableMapping{T}"/> class.</summary>
    /// <param name="tableName">The table, optionally schema-qualified (<c>schema.table</c>); each part is quoted as given.</param>
    /// <exception cref="ArgumentException"><paramref name="tableName"/> is empty.</exception>
    public PostgresTableMapping(string tableName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tableName);
        TableName = tableName;
    }

    /// <summary>Gets the table name as given.</summary>
    public string TableName { get; }

    internal IReadOnlyDictionary<string, string> Names => _names;

    internal IReadOnlySet<string> Ignored => _ignored;

    internal ColumnNaming ColumnNaming { get; private set; } = ColumnNaming.SnakeCase;

    internal IReadOnlyList<string> Key => _key;

    /// <summary>Sets the key properties: the conflict target of <see cref="WriteDisposition.Upsert"/> and the primary key of a created table.</summary>
    /// <param name="properties">The key properties, in key order.</param>
    /// <returns>The same mapping instance, so calls can be chained.</returns>
    /// <exception cref="ArgumentException">An expression is not a property of <typeparamref name="T"/>.</exception>
    public PostgresTableMapping<T> HasKey(params Expression<Func<T, object?>>[] properties)
    {
        ArgumentNullException.ThrowIfNull(properties);
        _key.Clear();
        _key.AddRange(properties.Select(PropertyName));
        return this;
    }

    /// <summary>Names the column of a property.</summary>
    /// <param name="property">The property.</param>
    /// <param name="columnName">The column name.</param>
    /// <returns>The same mapping instance, so calls can be chained.</returns>
    /// <exception cref="ArgumentException">The expression is not a property of <typeparamref name="T"/>, or the name is empty.</exception>
    public PostgresTableMapping<T> HasColumnName(Expression<Func<T, object?>> property, string columnName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(columnName);
        _names[PropertyName(property)] = columnName;
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
    public PostgresTableMapping<T> UseColumnNaming(ColumnNaming naming)
    {
        if (!Enum.IsDefined(naming))
        {
            throw new ArgumentOutOfRangeException(nameof(naming), naming, "Expected a defined ColumnNaming policy.");
        }

        ColumnNaming = naming;
        return this;
    }

    /// <summary>Leaves a property out of the table.</summary>
    /// <param name="property">The property.</param>
    /// <returns>The same mapping instance, so calls can be chained.</returns>
    /// <exception cref="ArgumentException">The expression is not a property of <typeparamref name="T"/>.</exception>
    public PostgresTableMapping<T> Ignore(Expression<Func<T, object?>> property)
    {
        _ignored.Add(PropertyName(property));
        return this;
    }

    private static string PropertyName(Expression<Func<T, object?>> property)
    {
        ArgumentNullException.ThrowIfNull(property);
        var body = property.Body is UnaryExpression { NodeType: ExpressionType.Convert } convert ? convert.Operand : property.Body;
        return body is MemberExpression { Member: PropertyInfo info } && info.DeclaringType!.IsAssignableFrom(typeof(T))
            ? info.Name
            : throw new ArgumentException($"The expression '{property}' is not a property of {typeof(T).Name}.", nameof(property));
    }
}
