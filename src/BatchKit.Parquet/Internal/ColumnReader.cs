using Parquet;
using Parquet.Schema;

namespace BatchKit.Parquet.Internal;

/// <summary>Where a column is read from and what it is read into, for error messages.</summary>
/// <param name="FilePath">The file.</param>
/// <param name="Field">The column.</param>
/// <param name="Target">What the column fills, such as <c>property Order.Id</c>.</param>
/// <param name="RejectsNull">Whether a null cannot go into the target (a non-nullable value type, or a reference type annotated as not null).</param>
internal sealed record ColumnScope(string FilePath, DataField Field, string Target, bool RejectsNull = true);

/// <summary>
/// Decodes one column of a row group into an array of the target CLR type. One instance per column per reader; its
/// buffers are reused from row group to row group.
/// </summary>
internal abstract class ColumnReader
{
    protected ColumnReader(ColumnScope scope) => Scope = scope;

    public ColumnScope Scope { get; }

    /// <summary>Gets the rows (within the last row group read) whose value is null although the target rejects nulls; their value is the default.</summary>
    public List<int> NullRows { get; } = [];

    /// <summary>Gets the decoded values of the last row group read (an array of the target type, at least as long as the row group).</summary>
    public abstract object Values { get; }

    /// <summary>Decodes the column of a row group into <see cref="Values"/>.</summary>
    public abstract ValueTask ReadAsync(ParquetRowGroupReader rowGroup, int rowCount, long firstRowInFile, CancellationToken cancellationToken);

    /// <summary>Creates a reader from a file column to a target type, or returns null when the types are incompatible.</summary>
    public static ColumnReader? TryCreate(Type target, ColumnScope scope)
    {
        var field = scope.Field;
        if (field.IsArray)
        {
            return null;
        }

        var nullable = Nullable.GetUnderlyingType(target) is not null;
        var type = Nullable.GetUnderlyingType(target) ?? target;
        var found = field.ClrType;
        if (type == typeof(string))
        {
            return found == typeof(ReadOnlyMemory<char>) ? new StringColumnReader(scope) : null;
        }

        if (type == typeof(DateTime))
        {
            if (found == typeof(DateOnly))
            {
                return Convert<DateOnly, DateTime>(scope, nullable, d => d.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified));
            }

            var kind = field is DateTimeDataField { IsAdjustedToUTC: false } ? DateTimeKind.Unspecified : DateTimeKind.Utc;
            return found == typeof(DateTime) ? Convert<DateTime, DateTime>(scope, nullable, d => DateTime.SpecifyKind(d, kind)) : null;
        }

        if (type == typeof(DateTimeOffset))
        {
            return found == typeof(DateTime)
                ? Convert<DateTime, DateTimeOffset>(scope, nullable, d => new DateTimeOffset(DateTime.SpecifyKind(d, DateTimeKind.Utc)))
                : null;
        }

        if (type == found)
        {
            return type switch
            {
                _ when type == typeof(long) => Direct<long>(scope, nullable),
                _ when type == typeof(int) => Direct<int>(scope, nullable),
                _ when type == typeof(double) => Direct<double>(scope, nullable),
                _ when type == typeof(float) => Direct<float>(scope, nullable),
                _ when type == typeof(bool) => Direct<bool>(scope, nullable),
                _ when type == typeof(decimal) => Direct<decimal>(scope, nullable),
                _ when type == typeof(DateOnly) => Direct<DateOnly>(scope, nullable),
                _ => null,
            };
        }

        if (type == typeof(long))
        {
            return found switch
            {
                _ when found == typeof(int) => Convert<int, long>(scope, nullable, v => v),
                _ when found == typeof(short) => Convert<short, long>(scope, nullable, v => v),
                _ when found == typeof(sbyte) => Convert<sbyte, long>(scope, nullable, v => v),
                _ when found == typeof(byte) => Convert<byte, long>(scope, nullable, v => v),
                _ when found == typeof(ushort) => Convert<ushort, long>(scope, nullable, v => v),
                _ when found == typeof(uint) => Convert<uint, long>(scope, nullable, v => v),
                _ => null,
            };
        }

        if (type == typeof(int))
        {
            return found switch
            {
                _ when found == typeof(short) => Convert<short, int>(scope, nullable, v => v),
                _ when found == typeof(sbyte) => Convert<sbyte, int>(scope, nullable, v => v),
                _ when found == typeof(byte) => Convert<byte, int>(scope, nullable, v => v),
                _ when found == typeof(ushort) => Convert<ushort, int>(scope, nullable, v => v),
                _ => null,
            };
        }

        return type == typeof(double) && found == typeof(float) ? Convert<float, double>(scope, nullable, v => v) : null;
    }

    private static ColumnReader Direct<TValue>(ColumnScope scope, bool nullable)
        where TValue : struct =>
        nullable ? new NullableValueColumnReader<TValue>(scope) : new ValueColumnReader<TValue>(scope);

    private static ColumnReader Convert<TFound, TValue>(ColumnScope scope, bool nullable, Func<TFound, TValue> convert)
        where TFound : struct
        where TValue : struct =>
        nullable
            ? new NullableConvertingColumnReader<TFound, TValue>(scope, convert)
            : new ConvertingColumnReader<TFound, TValue>(scope, convert);

    /// <summary>Records a null read into a target that rejects nulls; the row becomes an error record, and its value is the default.</summary>
    protected TValue NullValue<TValue>(int row)
    {
        NullRows.Add(row);
        return default!;
    }

    /// <summary>Returns an array of at least <paramref name="length"/> elements, reusing <paramref name="array"/> when it is long enough.</summary>
    protected static TElement[] Ensure<TElement>(ref TElement[] array, int length)
    {
        if (array.Length < length)
        {
            array = new TElement[Math.Max(length, array.Length * 2)];
        }

        return array;
    }
}
