using System.Reflection;
using CsvHelper;

namespace BatchKit.Csv;

/// <summary>Writes the public properties of records as the fields of CSV rows.</summary>
/// <typeparam name="T">The record type.</typeparam>
internal sealed class CsvRecordFormatter<T>
    where T : class
{
    private readonly Column[] _columns;

    /// <summary>Initializes a new instance of the <see cref="CsvRecordFormatter{T}"/> class.</summary>
    /// <exception cref="InvalidOperationException">The type has no public readable property.</exception>
    public CsvRecordFormatter(IDictionary<string, string> columnNames, ColumnNaming naming)
    {
        var properties = CsvRecordMembers.Readable(typeof(T));
        if (properties.Count == 0)
        {
            throw new InvalidOperationException($"The record type '{typeof(T).Name}' has no public readable property to write.");
        }

        _columns = [.. properties.Select(Column.Create)];
        Names = [.. properties.Select(p => CsvRecordMembers.ColumnName(p.Name, columnNames, naming))];
    }

    /// <summary>Gets the column names, in the order they are written.</summary>
    public string[] Names { get; }

    /// <summary>Writes the fields of a record; the caller ends the row.</summary>
    public void Write(CsvWriter writer, T record)
    {
        foreach (var column in _columns)
        {
            column.Write(writer, record);
        }
    }

    private abstract class Column
    {
        public static Column Create(PropertyInfo property)
        {
            var type = property.PropertyType;
            var underlying = Nullable.GetUnderlyingType(type);
            var core = underlying ?? type;
            Type column;
            if (type == typeof(string))
            {
                column = typeof(StringColumn);
            }
            else if (core == typeof(bool))
            {
                column = underlying is null ? typeof(BooleanColumn) : typeof(NullableBooleanColumn);
            }
            else if (!core.IsEnum && typeof(IUtf8SpanFormattable).IsAssignableFrom(core))
            {
                column = (underlying is null ? typeof(FormattableColumn<>) : typeof(NullableFormattableColumn<>)).MakeGenericType(typeof(T), core);
            }
            else
            {
                column = typeof(TextColumn<>).MakeGenericType(typeof(T), type);
            }

            var getterType = typeof(Func<,>).MakeGenericType(typeof(T), type);
            return (Column)Activator.CreateInstance(column, property.GetMethod!.CreateDelegate(getterType))!;
        }

        public abstract void Write(CsvWriter writer, T record);
    }

    private sealed class StringColumn(Func<T, string?> getter) : Column
    {
        public override void Write(CsvWriter writer, T record) => writer.WriteField(getter(record));
    }

    private sealed class BooleanColumn(Func<T, bool> getter) : Column
    {
        public override void Write(CsvWriter writer, T record) => writer.WriteField(getter(record));
    }

    private sealed class NullableBooleanColumn(Func<T, bool?> getter) : Column
    {
        public override void Write(CsvWriter writer, T record)
        {
            var value = getter(record);
            if (value is { } b)
            {
                writer.WriteField(b);
            }
            else
            {
                writer.WriteField((string?)null);
            }
        }
    }

    private sealed class FormattableColumn<TValue>(Func<T, TValue> getter) : Column
        where TValue : IUtf8SpanFormattable
    {
        public override void Write(CsvWriter writer, T record) => writer.WriteField(getter(record), default);
    }

    private sealed class NullableFormattableColumn<TValue>(Func<T, TValue?> getter) : Column
        where TValue : struct, IUtf8SpanFormattable
    {
        public override void Write(CsvWriter writer, T record) => writer.WriteField(getter(record), default);
    }

    private sealed class TextColumn<TValue>(Func<T, TValue> getter) : Column
    {
        public override void Write(CsvWriter writer, T record)
        {
            var value = getter(record);
            if (value is null)
            {
                writer.WriteField((string?)null);
            }
            else
            {
                writer.WriteField((object)value);
            }
        }
    }
}
