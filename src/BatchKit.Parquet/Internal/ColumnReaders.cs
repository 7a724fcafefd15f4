using Parquet;

namespace BatchKit.Parquet.Internal;

/// <summary>Reads a column of the target's own type into a non-nullable array, failing on nulls.</summary>
internal sealed class ValueColumnReader<TValue>(ColumnScope scope) : ColumnReader(scope)
    where TValue : struct
{
    private TValue[] _values = [];
    private TValue?[] _scratch = [];

    public override object Values => _values;

    public override async ValueTask ReadAsync(ParquetRowGroupReader rowGroup, int rowCount, long firstRowInFile, CancellationToken cancellationToken)
    {
        NullRows.Clear();
        var values = Ensure(ref _values, rowCount);
        if (!Scope.Field.IsNullable)
        {
            await rowGroup.ReadAsync(Scope.Field, values.AsMemory(0, rowCount), null, cancellationToken).ConfigureAwait(false);
            return;
        }

        var scratch = Ensure(ref _scratch, rowCount);
        await rowGroup.ReadAsync(Scope.Field, scratch.AsMemory(0, rowCount), null, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < rowCount; i++)
        {
            values[i] = scratch[i] ?? NullValue<TValue>(i);
        }
    }
}

/// <summary>Reads a column of the target's own type into a nullable array.</summary>
internal sealed class NullableValueColumnReader<TValue>(ColumnScope scope) : ColumnReader(scope)
    where TValue : struct
{
    private TValue?[] _values = [];
    private TValue[] _required = [];

    public override object Values => _values;

    public override async ValueTask ReadAsync(ParquetRowGroupReader rowGroup, int rowCount, long firstRowInFile, CancellationToken cancellationToken)
    {
        var values = Ensure(ref _values, rowCount);
        if (Scope.Field.IsNullable)
        {
            await rowGroup.ReadAsync(Scope.Field, values.AsMemory(0, rowCount), null, cancellationToken).ConfigureAwait(false);
            return;
        }

        // A required column is read as it is stored, then widened.
        var required = Ensure(ref _required, rowCount);
        await rowGroup.ReadAsync(Scope.Field, required.AsMemory(0, rowCount), null, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < rowCount; i++)
        {
            values[i] = required[i];
        }
    }
}

/// <summary>Reads a column and converts each value to the target type, failing on nulls.</summary>
internal sealed class ConvertingColumnReader<TFound, TValue>(ColumnScope scope, Func<TFound, TValue> convert) : ColumnReader(scope)
    where TFound : struct
    where TValue : struct
{
    private TValue[] _values = [];
    private TFound?[] _scratch = [];
    private TFound[] _required = [];

    public override object Values => _values;

    public override async ValueTask ReadAsync(ParquetRowGroupReader rowGroup, int rowCount, long firstRowInFile, CancellationToken cancellationToken)
    {
        NullRows.Clear();
        var values = Ensure(ref _values, rowCount);
        if (!Scope.Field.IsNullable)
        {
            // A required column has no nulls: read it as it is stored, without the nullable detour.
            var required = Ensure(ref _required, rowCount);
            await rowGroup.ReadAsync(Scope.Field, required.AsMemory(0, rowCount), null, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < rowCount; i++)
            {
                values[i] = convert(required[i]);
            }

            return;
        }

        var scratch = Ensure(ref _scratch, rowCount);
        await rowGroup.ReadAsync(Scope.Field, scratch.AsMemory(0, rowCount), null, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < rowCount; i++)
        {
            values[i] = scratch[i] is { } found ? convert(found) : NullValue<TValue>(i);
        }
    }
}

/// <summary>Reads a column and converts each value to the nullable target type.</summary>
internal sealed class NullableConvertingColumnReader<TFound, TValue>(ColumnScope scope, Func<TFound, TValue> convert) : ColumnReader(scope)
    where TFound : struct
    where TValue : struct
{
    private TValue?[] _values = [];
    private TFound?[] _scratch = [];

    public override object Values => _values;

    public override async ValueTask ReadAsync(ParquetRowGroupReader rowGroup, int rowCount, long firstRowInFile, CancellationToken cancellationToken)
    {
        var values = Ensure(ref _values, rowCount);
        var scratch = Ensure(ref _scratch, rowCount);
        await rowGroup.ReadAsync(Scope.Field, scratch.AsMemory(0, rowCount), null, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < rowCount; i++)
        {
            values[i] = scratch[i] is { } found ? convert(found) : null;
        }
    }
}

/// <summary>Reads a string column; nulls stay null, or are recorded when the property is annotated as not null.</summary>
internal sealed class StringColumnReader(ColumnScope scope) : ColumnReader(scope)
{
    private string?[] _values = [];

    public override object Values => _values;

    public override async ValueTask ReadAsync(ParquetRowGroupReader rowGroup, int rowCount, long firstRowInFile, CancellationToken cancellationToken)
    {
        NullRows.Clear();
        var values = Ensure(ref _values, rowCount);
        await rowGroup.ReadAsync(Scope.Field, values.AsMemory(0, rowCount), null, cancellationToken).ConfigureAwait(false);
        if (!Scope.RejectsNull || !Scope.Field.IsNullable)
        {
            return;
        }

        for (var i = 0; i < rowCount; i++)
        {
            if (values[i] is null)
            {
                NullRows.Add(i);
            }
        }
    }
}
