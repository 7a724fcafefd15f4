using CsvHelper;

namespace BatchKit.Csv;

/// <summary>Parses one field of the current row as a value of a property's type.</summary>
/// <typeparam name="TValue">The value type.</typeparam>
internal abstract class CsvFieldParser<TValue>
{
    /// <summary>Parses field <paramref name="index"/> of the reader's current row.</summary>
    public abstract bool TryParse(CsvReader reader, int index, out TValue value);
}

/// <summary>Creates the parser of a type.</summary>
internal static class CsvFieldParsers
{
    /// <summary>Returns a <c>CsvFieldParser&lt;type&gt;</c>.</summary>
    /// <exception cref="NotSupportedException">The type cannot be read from a field.</exception>
    public static object Create(Type type, bool nullableReference, string memberName)
    {
        if (type == typeof(string))
        {
            return new StringParser(nullableReference);
        }

        var underlying = Nullable.GetUnderlyingType(type);
        var core = underlying ?? type;
        Type parser;
        if (core.IsEnum)
        {
            parser = (underlying is null ? typeof(EnumParser<>) : typeof(NullableEnumParser<>)).MakeGenericType(core);
        }
        else if (core.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ISpanParsable<>) && i.GetGenericArguments()[0] == core))
        {
            parser = (underlying is null ? typeof(SpanParsableParser<>) : typeof(NullableSpanParsableParser<>)).MakeGenericType(core);
        }
        else
        {
            throw new NotSupportedException(
                $"The property '{memberName}' has type '{type.Name}', which cannot be read from a CSV field: expected a string, an enum, or a type implementing ISpanParsable<T> (numbers, dates, booleans, Guid), or a nullable of one.");
        }

        return Activator.CreateInstance(parser)!;
    }

    private sealed class StringParser(bool nullable) : CsvFieldParser<string?>
    {
        public override bool TryParse(CsvReader reader, int index, out string? value)
        {
            value = nullable && reader.IsEmpty(index) ? null : reader.GetString(index);
            return true;
        }
    }

    private sealed class SpanParsableParser<TValue> : CsvFieldParser<TValue>
        where TValue : ISpanParsable<TValue>
    {
        public override bool TryParse(CsvReader reader, int index, out TValue value) => reader.TryParse(index, out value!);
    }

    private sealed class NullableSpanParsableParser<TValue> : CsvFieldParser<TValue?>
        where TValue : struct, ISpanParsable<TValue>
    {
        public override bool TryParse(CsvReader reader, int index, out TValue? value)
        {
            if (reader.IsNull(index))
            {
                value = null;
                return true;
            }

            var parsed = reader.TryParse(index, out TValue result);
            value = result;
            return parsed;
        }
    }

    private sealed class EnumParser<TEnum> : CsvFieldParser<TEnum>
        where TEnum : struct, Enum
    {
        public override bool TryParse(CsvReader reader, int index, out TEnum value) =>
            Enum.TryParse(reader.GetString(index), ignoreCase: true, out value);
    }

    private sealed class NullableEnumParser<TEnum> : CsvFieldParser<TEnum?>
        where TEnum : struct, Enum
    {
        public override bool TryParse(CsvReader reader, int index, out TEnum? value)
        {
            if (reader.IsNull(index))
            {
                value = null;
                return true;
            }

            var parsed = Enum.TryParse(reader.GetString(index), ignoreCase: true, out TEnum result);
            value = result;
            return parsed;
        }
    }
}
