using System.Linq.Expressions;
using System.Reflection;
using BatchKit.Parquet.Internal;

namespace BatchKit.Parquet;

/// <summary>
/// Maps the properties of a record type to Parquet columns, for <see cref="ParquetSource{T}"/> and
/// <see cref="ParquetSink{T}"/>.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
/// <remarks>
/// <para>
/// Every public instance property of a supported type that can be set (a setter, an <c>init</c> accessor, or a
/// parameter of the constructor with the same name) is mapped, unless <see cref="Ignore{TProperty}"/> excludes it.
/// Supported types: <see cref="long"/>, <see cref="int"/>, <see cref="double"/>, <see cref="float"/>, <see cref="bool"/>,
/// <see cref="string"/>, <see cref="decimal"/>, <see cref="DateTime"/>, <see cref="DateTimeOffset"/>, <see cref="DateOnly"/>,
/// and the nullable forms of the value types. A property of another type (<see cref="Guid"/>, <see cref="TimeSpan"/>…)
/// is rejected when the source or sink is created, naming the property and its column, unless <see cref="Ignore{TProperty}"/>
/// excludes it: nothing is silently left out of a file or a record.
/// </para>
/// <para>
/// Reading, a property matches the column named by <see cref="Map{TProperty}"/>, or else the column that
/// <see cref="UseColumnNaming"/>'s policy finds; by default (<see cref="ColumnNaming.SnakeCase"/>) the column whose name
/// equals the property name ignoring case and underscores (<c>user_id</c>, <c>UserId</c> and <c>USERID</c> all match
/// <c>UserId</c>). Writing, a property goes to the column named by <see cref="Map{TProperty}"/>, or else to the policy's
/// name: by default the snake_case form of its name (<c>UserId</c> is written as <c>user_id</c>).
/// </para>
/// <para>Configure a map before handing it to a source or sink; it is then read-only and thread-safe.</para>
/// </remarks>
public sealed class ParquetRecordMap<T>
{
    private readonly Dictionary<string, string> _columns = new(StringComparer.Ordinal);
    private readonly HashSet<string> _ignored = new(StringComparer.Ordinal);
    private PropertyBindings<T>? _bindings;
    private ColumnNaming _naming = ColumnNaming.SnakeCase;

    /// <summary>Maps a property to a column name, overriding the name-based convention.</summary>
    /// <typeparam name="TProperty">The property type.</typeparam>
    /// <param name="property">The property, as <c>x =&gt; x.Property</c>.</param>
    /// <param name="column">The column name, matched exactly (ordinal) when reading and used as is when writing.</param>
    /// <returns>The same map instance, so calls can be chained.</returns>
    /// <exception cref="ArgumentException">The expression is not a property of <typeparamref name="T"/>, or the column name is empty.</exception>
    /// <exception cref="InvalidOperationException">The map is already in use by a source or sink.</exception>
    public ParquetRecordMap<T> Map<TProperty>(Expression<Func<T, TProperty>> property, string column)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(column);
        var name = PropertyName(property);
        ThrowIfFrozen();
        _ignored.Remove(name);
        _columns[name] = column;
        return this;
    }

    /// <summary>Excludes a property from the mapping: it is neither read nor written.</summary>
    /// <typeparam name="TProperty">The property type.</typeparam>
    /// <param name="property">The property, as <c>x =&gt; x.Property</c>.</param>
    /// <returns>The same map instance, so calls can be chained.</returns>
    /// <exception cref="ArgumentException">The expression is not a property of <typeparamref name="T"/>.</exception>
    /// <exception cref="InvalidOperationException">The map is already in use by a source or sink.</exception>
    public ParquetRecordMap<T> Ignore<TProperty>(Expression<Func<T, TProperty>> property)
    {
        var name = PropertyName(property);
        ThrowIfFrozen();
        _columns.Remove(name);
        _ignored.Add(name);
        return this;
    }

    /// <summary>
    /// Sets how the columns of properties without a <see cref="Map{TProperty}"/> entry are named when writing and found
    /// when reading. Two columns of a file matching one property is an error naming the file, both columns and the property.
    /// </summary>
    /// <param name="naming">
    /// The policy. The default is <see cref="ColumnNaming.SnakeCase"/>; <see cref="ColumnNaming.Exact"/> writes and
    /// reads the property names as they are.
    /// </param>
    /// <returns>The same map instance, so calls can be chained.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="naming"/> is not a defined policy.</exception>
    /// <exception cref="InvalidOperationException">The map is already in use by a source or sink.</exception>
    public ParquetRecordMap<T> UseColumnNaming(ColumnNaming naming)
    {
        if (!Enum.IsDefined(naming))
        {
            throw new ArgumentOutOfRangeException(nameof(naming), naming, "Expected a defined ColumnNaming policy.");
        }

        ThrowIfFrozen();
        _naming = naming;
        return this;
    }

    internal ColumnNaming Naming => _naming;

    internal PropertyBindings<T> Bindings
    {
        get
        {
            if (_bindings is null)
            {
                var built = PropertyBindings<T>.Create(_columns, _ignored, _naming);
                Interlocked.CompareExchange(ref _bindings, built, null);
            }

            return _bindings;
        }
    }

    private static string PropertyName<TProperty>(Expression<Func<T, TProperty>> property)
    {
        ArgumentNullException.ThrowIfNull(property);
        var body = property.Body is UnaryExpression { NodeType: ExpressionType.Convert } convert ? convert.Operand : property.Body;
        return body is MemberExpression { Member: PropertyInfo info } member && member.Expression is ParameterExpression
            ? info.Name
            : throw new ArgumentException($"Expected a property of {typeof(T).Name} such as 'x => x.Id', found '{property}'.", nameof(property));
    }

    private void ThrowIfFrozen()
    {
        if (_bindings is not null)
        {
            throw new InvalidOperationException($"The Parquet map of {typeof(T).Name} is in use by a source or sink and can no longer be changed.");
        }
    }
}
