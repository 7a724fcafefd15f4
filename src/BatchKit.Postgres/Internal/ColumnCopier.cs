using System.Reflection;
using Npgsql;

namespace BatchKit.Postgres.Internal;

/// <summary>
/// Writes one mapped property of a record into a binary COPY row with the property's own type (no boxing, no per-value
/// type lookup): the getter is a delegate bound to the property, and the value goes to
/// <see cref="NpgsqlBinaryImporter.WriteAsync{T}(T, string, CancellationToken)"/> with the column's data type.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
internal abstract class ColumnCopier<T>
{
    /// <summary>Creates the copier of a column of the target table whose data type is <paramref name="dataType"/>.</summary>
    public static ColumnCopier<T> Create(MappedColumn column, string dataType)
    {
        var type = typeof(Typed<>).MakeGenericType(typeof(T), column.Property.PropertyType);
        return (ColumnCopier<T>)Activator.CreateInstance(type, column.Property, dataType)!;
    }

    /// <summary>Writes the column's value of <paramref name="record"/> (NULL when it is null).</summary>
    public abstract Task WriteAsync(NpgsqlBinaryImporter importer, T record, CancellationToken cancellationToken);

    private sealed class Typed<TValue> : ColumnCopier<T>
    {
        private readonly Func<T, TValue> _get;
        private readonly string _dataType;

        public Typed(PropertyInfo property, string dataType)
        {
            _dataType = dataType;
            var getter = property.GetMethod!;
            _get = typeof(T).IsValueType
                ? record => (TValue)getter.Invoke(record, null)!
                : getter.CreateDelegate<Func<T, TValue>>();
        }

        public override Task WriteAsync(NpgsqlBinaryImporter importer, T record, CancellationToken cancellationToken)
        {
            var value = _get(record);
            return value is null ? importer.WriteNullAsync(cancellationToken) : importer.WriteAsync(value, _dataType, cancellationToken);
        }
    }
}
