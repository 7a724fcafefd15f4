using Parquet;
using Parquet.Schema;

namespace BatchKit.Parquet.Internal;

/// <summary>Buffers one column of a row group as an array of the property type and writes it.</summary>
internal abstract class ColumnWriter
{
    protected ColumnWriter(DataField field) => Field = field;

    public DataField Field { get; }

    /// <summary>Gets the buffer the extractor fills: an array of the property type, one element per buffered row.</summary>
    public abstract object Values { get; }

    public abstract Task WriteAsync(ParquetRowGroupWriter rowGroup, int count, CancellationToken cancellationToken);

    /// <summary>Creates the writer of a property type. DateTime and DateTimeOffset become UTC-adjusted microsecond timestamps.</summary>
    public static ColumnWriter Create(Type type, string column, int capacity)
    {
        var nullable = Nullable.GetUnderlyingType(type) is not null;
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        return underlying switch
        {
            _ when underlying == typeof(string) => new StringColumnWriter(column, capacity),
            _ when underlying == typeof(long) => Direct<long>(column, nullable, capacity),
            _ when underlying == typeof(int) => Direct<int>(column, nullable, capacity),
            _ when underlying == typeof(double) => Direct<double>(column, nullable, capacity),
            _ when underlying == typeof(float) => Direct<float>(column, nullable, capacity),
            _ when underlying == typeof(bool) => Direct<bool>(column, nullable, capacity),
            _ when underlying == typeof(decimal) => Direct<decimal>(column, nullable, capacity),
            _ when underlying == typeof(DateOnly) => Direct<DateOnly>(column, nullable, capacity),
            _ when underlying == typeof(DateTime) => Convert<DateTime, DateTime>(Timestamp(column, nullable), nullable, capacity, ToUtc),
            _ when underlying == typeof(DateTimeOffset) => Convert<DateTimeOffset, DateTime>(Timestamp(column, nullable), nullable, capacity, d => d.UtcDateTime),
            _ => throw new NotSupportedException($"Type {type} is not supported."),
        };
    }

    private static DateTime ToUtc(DateTime value) =>
        value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : DateTime.SpecifyKind(value, DateTimeKind.Utc);

    private static DateTimeDataField Timestamp(string column, bool nullable) =>
        new(column, DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros, isNullable: nullable);

    private static ColumnWriter Direct<TValue>(string column, bool nullable, int capacity)
        where TValue : struct
    {
        var field = new DataField(column, typeof(TValue), isNullable: nullable);
        return nullable ? new NullableValueColumnWriter<TValue>(field, capacity) : new ValueColumnWriter<TValue>(field, capacity);
    }

    private static ColumnWriter Convert<TValue, TStored>(DataField field, bool nullable, int capacity, Func<TValue, TStored> convert)
        where TValue : struct
        where TStored : struct =>
        nullable
            ? new NullableConvertingColumnWriter<TValue, TStored>(field, capacity, convert)
            : new ConvertingColumnWriter<TValue, TStored>(field, capacity, convert);
}

internal sealed class ValueColumnWriter<TValue>(DataField field, int capacity) : ColumnWriter(field)
    where TValue : struct
{
    private readonly TValue[] _values = new TValue[capacity];

    public override object Values => _values;

    public override Task WriteAsync(ParquetRowGroupWriter rowGroup, int count, CancellationToken cancellationToken) =>
        rowGroup.WriteAsync(Field, new ReadOnlyMemory<TValue>(_values, 0, count), null, null, cancellationToken);
}

internal sealed class NullableValueColumnWriter<TValue>(DataField field, int capacity) : ColumnWriter(field)
    where TValue : struct
{
    private readonly TValue?[] _values = new TValue?[capacity];

    public override object Values => _values;

    public override Task WriteAsync(ParquetRowGroupWriter rowGroup, int count, CancellationToken cancellationToken) =>
        rowGroup.WriteAsync(Field, new ReadOnlyMemory<TValue?>(_values, 0, count), null, null, cancellationToken);
}

internal sealed class ConvertingColumnWriter<TValue, TStored>(DataField field, int capacity, Func<TValue, TStored> convert) : ColumnWriter(field)
    where TValue : struct
    where TStored : struct
{
    private readonly TValue[] _values = new TValue[capacity];
    private readonly TStored[] _stored = new TStored[capacity];

    public override object Values => _values;

    public override Task WriteAsync(ParquetRowGroupWriter rowGroup, int count, CancellationToken cancellationToken)
    {
        for (var i = 0; i < count; i++)
        {
            _stored[i] = convert(_values[i]);
        }

        return rowGroup.WriteAsync(Field, new ReadOnlyMemory<TStored>(_stored, 0, count), null, null, cancellationToken);
    }
}

internal sealed class NullableConvertingColumnWriter<TValue, TStored>(DataField field, int capacity, Func<TValue, TStored> convert) : ColumnWriter(field)
    where TValue : struct
    where TStored : struct
{
    private readonly TValue?[] _values = new TValue?[capacity];
    private readonly TStored?[] _stored = new TStored?[capacity];

    public override object Values => _values;

    public override Task WriteAsync(ParquetRowGroupWriter rowGroup, int count, CancellationToken cancellationToken)
    {
        for (var i = 0; i < count; i++)
        {
            _stored[i] = _values[i] is { } value ? convert(value) : null;
        }

        return rowGroup.WriteAsync(Field, new ReadOnlyMemory<TStored?>(_stored, 0, count), null, null, cancellationToken);
    }
}

internal sealed class StringColumnWriter(string column, int capacity) : ColumnWriter(new DataField(column, typeof(string), isNullable: true))
{
    private readonly string?[] _values = new string?[capacity];
    private readonly ReadOnlyMemory<char>?[] _stored = new ReadOnlyMemory<char>?[capacity];

    public override object Values => _values;

    public override async Task WriteAsync(ParquetRowGroupWriter rowGroup, int count, CancellationToken cancellationToken)
    {
        for (var i = 0; i < count; i++)
        {
            _stored[i] = _values[i]?.AsMemory();
        }

        await rowGroup.WriteAsync(Field, new ReadOnlyMemory<ReadOnlyMemory<char>?>(_stored, 0, count), null, null, cancellationToken).ConfigureAwait(false);
        Array.Clear(_values, 0, count);
        Array.Clear(_stored, 0, count);
    }
}
