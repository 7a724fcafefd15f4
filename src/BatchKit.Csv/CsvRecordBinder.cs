using System.Reflection;
using BatchKit.Shared;
using CsvHelper;

namespace BatchKit.Csv;

/// <summary>Creates records of a type from the fields of the current row, by column name.</summary>
/// <typeparam name="T">The record type.</typeparam>
internal sealed class CsvRecordBinder<T>
    where T : class
{
    private readonly ConstructorInfo _constructor;
    private readonly Binding[] _arguments;
    private readonly Binding[] _setters;

    private CsvRecordBinder(ConstructorInfo constructor, Binding[] arguments, Binding[] setters)
    {
        _constructor = constructor;
        _arguments = arguments;
        _setters = setters;
    }

    /// <summary>Maps the columns of a file to the constructor parameters and settable properties of <typeparamref name="T"/>.</summary>
    /// <exception cref="InvalidDataException">A column the type needs is not in the file, or two columns match one property.</exception>
    public static CsvRecordBinder<T> Create(IReadOnlyList<string> columns, IDictionary<string, string> columnNames, ColumnNaming naming, string path)
    {
        var type = typeof(T);
        var constructor = CsvRecordMembers.Constructor(type);
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0)
            .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        var missing = new List<string>();
        var arguments = new List<Binding>();
        foreach (var parameter in constructor.GetParameters())
        {
            properties.TryGetValue(parameter.Name!, out var property);
            var member = property?.Name ?? parameter.Name!;
            if (property is not null)
            {
                properties.Remove(property.Name);
            }

            var index = Find(columns, member, columnNames, naming, path);
            if (index < 0)
            {
                missing.Add(CsvRecordMembers.ColumnName(member, columnNames, naming));
                continue;
            }

            arguments.Add(Binding.Create(parameter.ParameterType, CsvRecordMembers.IsNullableReference(null, parameter), parameter.Name!, index, null));
        }

        var setters = new List<Binding>();
        foreach (var property in properties.Values.Where(p => p.SetMethod is { IsPublic: true }).OrderBy(p => p.MetadataToken))
        {
            var index = Find(columns, property.Name, columnNames, naming, path);
            if (index < 0)
            {
                missing.Add(CsvRecordMembers.ColumnName(property.Name, columnNames, naming));
                continue;
            }

            setters.Add(Binding.Create(property.PropertyType, CsvRecordMembers.IsNullableReference(property, null), property.Name, index, property.SetMethod));
        }

        if (missing.Count > 0)
        {
            throw new InvalidDataException(
                $"{path}: expected the column(s) {Quote(missing)} for the properties of {type.Name}, found the columns {Quote(columns)}.");
        }

        return new CsvRecordBinder<T>(constructor, [.. arguments], [.. setters]);
    }

    /// <summary>Creates a record from the reader's current row.</summary>
    /// <param name="reader">The reader, on a row with enough fields.</param>
    /// <param name="record">The record, when every field parsed.</param>
    /// <param name="failedField">The index of the field that did not parse, or -1.</param>
    /// <param name="expected">What the field should have held.</param>
    /// <param name="exception">The exception a constructor, setter or parser threw, if any.</param>
    /// <returns><see langword="true"/> when the record was created.</returns>
    public bool TryBind(CsvReader reader, out T? record, out int failedField, out string? expected, out Exception? exception)
    {
        record = null;
        exception = null;
        Binding? current = null;
        try
        {
            object?[]? args = _arguments.Length == 0 ? null : new object?[_arguments.Length];
            for (var i = 0; i < _arguments.Length; i++)
            {
                current = _arguments[i];
                if (!current.TryRead(reader, args!, i))
                {
                    return Fail(current, out failedField, out expected);
                }
            }

            current = null;
            var created = (T)_constructor.Invoke(args);
            foreach (var setter in _setters)
            {
                current = setter;
                if (!setter.TrySet(reader, created))
                {
                    return Fail(setter, out failedField, out expected);
                }
            }

            record = created;
            failedField = -1;
            expected = null;
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            exception = ex is TargetInvocationException { InnerException: { } inner } ? inner : ex;
            failedField = current?.FieldIndex ?? -1;
            expected = current?.Expected ?? "a value the constructor of " + typeof(T).Name + " accepts";
            return false;
        }
    }

    private static bool Fail(Binding binding, out int failedField, out string? expected)
    {
        failedField = binding.FieldIndex;
        expected = binding.Expected;
        return false;
    }

    private static int Find(IReadOnlyList<string> columns, string member, IDictionary<string, string> columnNames, ColumnNaming naming, string path)
    {
        var (index, ambiguous) = ColumnMatcher.Find(naming, columns, member, columnNames.TryGetValue(member, out var name) ? name : null);
        if (ambiguous is var (first, second))
        {
            throw new InvalidDataException(
                $"{path}: the columns '{columns[first]}' and '{columns[second]}' both match the property {typeof(T).Name}.{member} " +
                $"under ColumnNaming.{naming}; name the column of {member} in ColumnNames, or rename one of the columns.");
        }

        return index;
    }

    private static string Quote(IEnumerable<string> names) => string.Join(", ", names.Select(n => "'" + n + "'"));

    private abstract class Binding(int fieldIndex, string expected)
    {
        public int FieldIndex { get; } = fieldIndex;

        public string Expected { get; } = expected;

        public static Binding Create(Type valueType, bool nullableReference, string memberName, int fieldIndex, MethodInfo? setter)
        {
            var parser = CsvFieldParsers.Create(valueType, nullableReference, memberName);
            var type = typeof(Binding<>).MakeGenericType(typeof(T), valueType);
            return (Binding)Activator.CreateInstance(type, fieldIndex, CsvRecordMembers.Describe(valueType), parser, setter)!;
        }

        public abstract bool TryRead(CsvReader reader, object?[] args, int argIndex);

        public abstract bool TrySet(CsvReader reader, T target);
    }

    private sealed class Binding<TValue>(int fieldIndex, string expected, CsvFieldParser<TValue> parser, MethodInfo? setter)
        : Binding(fieldIndex, expected)
    {
        private readonly Action<T, TValue>? _setter = setter is null ? null : setter.CreateDelegate<Action<T, TValue>>();

        public override bool TryRead(CsvReader reader, object?[] args, int argIndex)
        {
            if (!parser.TryParse(reader, FieldIndex, out var value))
            {
                return false;
            }

            args[argIndex] = value;
            return true;
        }

        public override bool TrySet(CsvReader reader, T target)
        {
            if (!parser.TryParse(reader, FieldIndex, out var value))
            {
                return false;
            }

            _setter!(target, value);
            return true;
        }
    }
}
