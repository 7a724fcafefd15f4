using System.Globalization;
using System.Reflection;
using BatchKit.Shared;
using Npgsql;

namespace BatchKit.Postgres.Internal;

/// <summary>
/// Maps rows to records by column name, with a <see cref="ColumnNaming"/> policy: by default a property or constructor
/// parameter <c>EventDate</c> reads column <c>EventDate</c> or <c>event_date</c>, ignoring case. Uses the public parameterless constructor and settable
/// properties when there is one, otherwise the public constructor with the most parameters.
/// </summary>
internal sealed class RowBinder<T>
{
    private static readonly MethodInfo ReadMethod = typeof(RowBinder<T>).GetMethod(nameof(ReadValue), BindingFlags.NonPublic | BindingFlags.Static)!;

    private readonly ConstructorInfo _constructor;
    private readonly List<(string Name, Type Type)> _parameters;
    private readonly List<PropertyInfo> _properties;

    private readonly ColumnNaming _naming;

    public RowBinder(ColumnNaming naming)
    {
        _naming = naming;
        var constructors = typeof(T).GetConstructors();
        var parameterless = constructors.FirstOrDefault(c => c.GetParameters().Length == 0);
        if (parameterless is not null)
        {
            _constructor = parameterless;
            _parameters = [];
            _properties = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.GetIndexParameters().Length == 0).ToList();
        }
        else
        {
            _constructor = constructors.OrderByDescending(c => c.GetParameters().Length).FirstOrDefault()
                ?? throw new ArgumentException($"{typeof(T).Name} has no public constructor to map rows to.");
            _parameters = _constructor.GetParameters().Select(p => (p.Name!, p.ParameterType)).ToList();
            _properties = [];
        }
    }

    /// <summary>Resolves the members against a result's columns and returns the row reader.</summary>
    /// <exception cref="BatchKitException">A member has no column (never transient).</exception>
    public Func<NpgsqlDataReader, T> Bind(NpgsqlDataReader reader, string table)
    {
        var names = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToList();

        var members = _parameters.Count > 0 ? _parameters : _properties.Select(p => (p.Name, p.PropertyType)).ToList();
        var bound = new List<(string Column, int Ordinal, Func<NpgsqlDataReader, int, string, object?> Read)>();
        var missing = new List<string>();
        foreach (var (name, type) in members)
        {
            var (ordinal, ambiguous) = ColumnMatcher.Find(_naming, names, name);
            if (ambiguous is var (first, second))
            {
                throw new BatchKitException(
                    $"PostgreSQL source table '{table}': the columns '{names[first]}' and '{names[second]}' both match the property {typeof(T).Name}.{name} "
                    + $"under ColumnNaming.{_naming}; select one of them, or map the rows yourself.")
                {
                    IsTransient = false,
                };
            }

            if (ordinal < 0)
            {
                missing.Add($"{typeof(T).Name}.{name} (column {ColumnMatcher.Describe(_naming, name)})");
                continue;
            }

            var read = ReadMethod.MakeGenericMethod(type).CreateDelegate<Func<NpgsqlDataReader, int, string, object?>>();
            bound.Add((reader.GetName(ordinal), ordinal, read));
        }

        if (missing.Count > 0)
        {
            throw new BatchKitException(
                $"PostgreSQL source table '{table}' has no column for {string.Join(", ", missing)}; found columns "
                + string.Join(", ", Enumerable.Range(0, reader.FieldCount).Select(i => $"'{reader.GetName(i)}'")) + ".")
            {
                IsTransient = false,
            };
        }

        var constructor = _constructor;
        var properties = _properties;
        var byConstructor = _parameters.Count > 0;
        return row =>
        {
            var values = new object?[bound.Count];
            for (var i = 0; i < bound.Count; i++)
            {
                values[i] = bound[i].Read(row, bound[i].Ordinal, bound[i].Column);
            }

            if (byConstructor)
            {
                return (T)constructor.Invoke(values);
            }

            var record = (T)constructor.Invoke(null);
            for (var i = 0; i < properties.Count; i++)
            {
                properties[i].SetValue(record, values[i]);
            }

            return record;
        };
    }

    private static object? ReadValue<TValue>(NpgsqlDataReader reader, int ordinal, string column)
    {
        if (reader.IsDBNull(ordinal))
        {
            return default(TValue) is null
                ? null
                : throw new InvalidDataException($"column '{column}' is NULL, expected a {typeof(TValue).Name}");
        }

        try
        {
            return reader.GetFieldValue<TValue>(ordinal);
        }
        catch (InvalidCastException e)
        {
            throw new InvalidDataException(
                string.Create(CultureInfo.InvariantCulture, $"column '{column}' of type {reader.GetDataTypeName(ordinal)} cannot be read as {typeof(TValue).Name}: {e.Message}"), e);
        }
    }
}
