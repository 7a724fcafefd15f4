using System.Globalization;
using Parquet.Schema;

namespace BatchKit.Parquet.Internal;

/// <summary>The CLR types BatchKit.Parquet maps, and how Parquet column types are described in messages.</summary>
internal static class ColumnTypes
{
    private static readonly Type[] Supported =
    [
        typeof(long), typeof(int), typeof(double), typeof(float), typeof(bool), typeof(decimal),
        typeof(DateTime), typeof(DateTimeOffset), typeof(DateOnly),
    ];

    public const string SupportedList = "long, int, double, float, bool, string, decimal, DateTime, DateTimeOffset, DateOnly and their nullable forms";

    public static bool IsSupported(Type type) =>
        type == typeof(string) || Array.IndexOf(Supported, Nullable.GetUnderlyingType(type) ?? type) >= 0;

    /// <summary>Returns the C# name of a supported type, such as <c>long?</c>.</summary>
    public static string Name(Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        if (underlying is not null)
        {
            return Name(underlying) + "?";
        }

        return type switch
        {
            _ when type == typeof(long) => "long",
            _ when type == typeof(int) => "int",
            _ when type == typeof(double) => "double",
            _ when type == typeof(float) => "float",
            _ when type == typeof(bool) => "bool",
            _ when type == typeof(string) => "string",
            _ when type == typeof(decimal) => "decimal",
            _ => type.Name,
        };
    }

    /// <summary>Describes a file's column type, such as <c>int32</c>, <c>timestamp[us, UTC]</c> or <c>string (nullable)</c>.</summary>
    public static string Describe(DataField field)
    {
        var type = field switch
        {
            { IsArray: true } => "list",
            DateTimeDataField { DateTimeFormat: DateTimeFormat.Impala } => "timestamp[int96]",
            DateTimeDataField { DateTimeFormat: DateTimeFormat.Date } => "date",
            DateTimeDataField d => string.Create(CultureInfo.InvariantCulture, $"timestamp[{Unit(d.Unit)}{(d.IsAdjustedToUTC ? ", UTC" : string.Empty)}]"),
            DecimalDataField d => string.Create(CultureInfo.InvariantCulture, $"decimal({d.Precision},{d.Scale})"),
            _ => field.ClrType switch
            {
                var t when t == typeof(long) => "int64",
                var t when t == typeof(int) => "int32",
                var t when t == typeof(short) => "int16",
                var t when t == typeof(sbyte) => "int8",
                var t when t == typeof(byte) => "uint8",
                var t when t == typeof(ushort) => "uint16",
                var t when t == typeof(uint) => "uint32",
                var t when t == typeof(ulong) => "uint64",
                var t when t == typeof(double) => "double",
                var t when t == typeof(float) => "float",
                var t when t == typeof(bool) => "boolean",
                var t when t == typeof(ReadOnlyMemory<char>) => "string",
                var t when t == typeof(byte[]) => "binary",
                var t when t == typeof(DateOnly) => "date",
                var t when t == typeof(DateTime) => "timestamp",
                var t => t.Name,
            },
        };
        return field.IsNullable ? type + " (nullable)" : type;
    }

    private static string Unit(DateTimeTimeUnit unit) => unit switch
    {
        DateTimeTimeUnit.Millis => "ms",
        DateTimeTimeUnit.Micros => "us",
        _ => "ns",
    };
}
