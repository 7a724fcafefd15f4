using System.Linq.Expressions;
using System.Reflection;

namespace BatchKit;

/// <summary>Builds the expressions that write and read one value of a supported type for <see cref="BinaryStagingSerializer{T}"/>.</summary>
internal static class BinaryCodec
{
    private static readonly HashSet<Type> Direct =
    [
        typeof(bool), typeof(byte), typeof(sbyte), typeof(short), typeof(ushort), typeof(int), typeof(uint), typeof(long), typeof(ulong),
        typeof(float), typeof(double), typeof(decimal), typeof(char),
    ];

    private static readonly HashSet<Type> Helped =
    [
        typeof(string), typeof(byte[]), typeof(DateTime), typeof(DateTimeOffset), typeof(DateOnly), typeof(TimeOnly), typeof(TimeSpan), typeof(Guid),
    ];

    public static bool IsValue(Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        if (underlying is not null)
        {
            return IsValue(underlying);
        }

        return Direct.Contains(type) || Helped.Contains(type) || type.IsEnum;
    }

    public static Expression WriteValue(ParameterExpression writer, Expression value)
    {
        var type = value.Type;
        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            var hasValue = Expression.Property(value, "HasValue");
            return Expression.IfThenElse(
                hasValue,
                Expression.Block(Call(writer, Expression.Constant(true)), WriteValue(writer, Expression.Property(value, "Value"))),
                Call(writer, Expression.Constant(false)));
        }

        if (type.IsEnum)
        {
            return Call(writer, Expression.Convert(value, Enum.GetUnderlyingType(type)));
        }

        if (Direct.Contains(type))
        {
            return Call(writer, value);
        }

        return Expression.Call(typeof(BinaryCodec).GetMethod("Write", BindingFlags.Static | BindingFlags.NonPublic, [typeof(BinaryWriter), type])!, writer, value);
    }

    public static Expression ReadValue(ParameterExpression reader, Type type)
    {
        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return Expression.Condition(
                Expression.Call(reader, nameof(BinaryReader.ReadBoolean), Type.EmptyTypes),
                Expression.Convert(ReadValue(reader, underlying), type),
                Expression.Default(type));
        }

        if (type.IsEnum)
        {
            return Expression.Convert(ReadValue(reader, Enum.GetUnderlyingType(type)), type);
        }

        if (Direct.Contains(type))
        {
            return Expression.Call(reader, "Read" + type.Name, Type.EmptyTypes);
        }

        return Expression.Call(typeof(BinaryCodec).GetMethod("Read" + (type == typeof(byte[]) ? "Bytes" : type.Name), BindingFlags.Static | BindingFlags.NonPublic, [typeof(BinaryReader)])!, reader);
    }

    private static MethodCallExpression Call(ParameterExpression writer, Expression value) =>
        Expression.Call(writer, typeof(BinaryWriter).GetMethod(nameof(BinaryWriter.Write), [value.Type])!, value);

    private static void Write(BinaryWriter writer, string? value)
    {
        writer.Write(value is not null);
        if (value is not null)
        {
            writer.Write(value);
        }
    }

    private static string? ReadString(BinaryReader reader) => reader.ReadBoolean() ? reader.ReadString() : null;

    private static void Write(BinaryWriter writer, byte[]? value)
    {
        writer.Write7BitEncodedInt(value is null ? 0 : value.Length + 1);
        if (value is not null)
        {
            writer.Write(value);
        }
    }

    private static byte[]? ReadBytes(BinaryReader reader)
    {
        var length = reader.Read7BitEncodedInt();
        return length == 0 ? null : reader.ReadBytes(length - 1);
    }

    private static void Write(BinaryWriter writer, DateTime value) => writer.Write(value.ToBinary());

    private static DateTime ReadDateTime(BinaryReader reader) => DateTime.FromBinary(reader.ReadInt64());

    private static void Write(BinaryWriter writer, DateTimeOffset value)
    {
        writer.Write(value.Ticks);
        writer.Write((short)value.Offset.TotalMinutes);
    }

    private static DateTimeOffset ReadDateTimeOffset(BinaryReader reader)
    {
        var ticks = reader.ReadInt64();
        return new DateTimeOffset(ticks, TimeSpan.FromMinutes(reader.ReadInt16()));
    }

    private static void Write(BinaryWriter writer, DateOnly value) => writer.Write(value.DayNumber);

    private static DateOnly ReadDateOnly(BinaryReader reader) => DateOnly.FromDayNumber(reader.ReadInt32());

    private static void Write(BinaryWriter writer, TimeOnly value) => writer.Write(value.Ticks);

    private static TimeOnly ReadTimeOnly(BinaryReader reader) => new(reader.ReadInt64());

    private static void Write(BinaryWriter writer, TimeSpan value) => writer.Write(value.Ticks);

    private static TimeSpan ReadTimeSpan(BinaryReader reader) => new(reader.ReadInt64());

    private static void Write(BinaryWriter writer, Guid value)
    {
        Span<byte> bytes = stackalloc byte[16];
        value.TryWriteBytes(bytes);
        writer.Write(bytes);
    }

    private static Guid ReadGuid(BinaryReader reader)
    {
        Span<byte> bytes = stackalloc byte[16];
        reader.BaseStream.ReadExactly(bytes);
        return new Guid(bytes);
    }
}
