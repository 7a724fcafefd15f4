using System.Runtime.InteropServices;

namespace BatchKit.Parquet.Internal;

/// <summary>
/// A column a materializer needs: its name, whether the name is an explicit override, its type, what it fills, and the
/// policy that finds it.
/// </summary>
internal sealed record ColumnRequest(string Name, bool Explicit, Type ClrType, string Target, bool RejectsNull, ColumnNaming Naming = ColumnNaming.SnakeCase);

/// <summary>Turns decoded column arrays into records.</summary>
internal abstract class RowMaterializer<T>
{
    public abstract IReadOnlyList<ColumnRequest> Columns { get; }

    public abstract IReadOnlyList<ParquetColumnBinding> Bindings { get; }

    public abstract void Map(ParquetColumnBatch batch, object[] columns, int firstRow, Memory<T> destination);
}

/// <summary>Builds records with the loop compiled for a <see cref="ParquetRecordMap{T}"/>.</summary>
internal sealed class MapMaterializer<T> : RowMaterializer<T>
{
    private readonly RecordFiller<T> _filler;

    public MapMaterializer(ParquetRecordMap<T> map)
    {
        var bindings = map.Bindings;
        _filler = bindings.Filler;
        Columns = bindings.Read
            .Select(b => new ColumnRequest(b.ReadColumnDescription, b.ExplicitColumn is not null, b.Type, b.Describe(typeof(T)), RejectsNull(b), map.Naming))
            .ToList();
        Bindings = Columns.Select(c => new ParquetColumnBinding(c.Name, c.ClrType)).ToList();
    }

    public override IReadOnlyList<ColumnRequest> Columns { get; }

    public override IReadOnlyList<ParquetColumnBinding> Bindings { get; }

    /// <summary>
    /// Tells whether a property cannot hold null: a non-nullable value type, or a reference type annotated as not
    /// null (C# nullable reference types, read with <see cref="System.Reflection.NullabilityInfoContext"/>; a type
    /// compiled without annotations accepts nulls).
    /// </summary>
    private static bool RejectsNull(PropertyBinding binding)
    {
        if (binding.Type.IsValueType)
        {
            return Nullable.GetUnderlyingType(binding.Type) is null;
        }

        var info = new System.Reflection.NullabilityInfoContext().Create(binding.Property);
        return info.ReadState == System.Reflection.NullabilityState.NotNull;
    }

    public override void Map(ParquetColumnBatch batch, object[] columns, int firstRow, Memory<T> destination)
    {
        if (MemoryMarshal.TryGetArray<T>(destination, out var segment))
        {
            _filler(columns, firstRow, segment.Array!, segment.Offset, destination.Length);
            return;
        }

        var records = new T[destination.Length];
        _filler(columns, firstRow, records, 0, records.Length);
        records.CopyTo(destination);
    }
}

/// <summary>Builds records with a user-supplied <see cref="IParquetRowMapper{T}"/>.</summary>
internal sealed class CustomMaterializer<T> : RowMaterializer<T>
{
    private readonly IParquetRowMapper<T> _mapper;

    public CustomMaterializer(IParquetRowMapper<T> mapper)
    {
        _mapper = mapper;
        Bindings = [.. mapper.Columns];
        Columns = Bindings
            .Select((c, k) =>
            {
                ArgumentNullException.ThrowIfNull(c, nameof(mapper));
                ArgumentException.ThrowIfNullOrWhiteSpace(c.ColumnName, nameof(mapper));
                return ColumnTypes.IsSupported(c.ClrType)
                    ? new ColumnRequest(c.ColumnName, Explicit: false, c.ClrType, $"column {k} of {mapper.GetType().Name}", RejectsNull: c.ClrType.IsValueType && Nullable.GetUnderlyingType(c.ClrType) is null)
                    : throw new ArgumentException(
                        $"Column {k} ('{c.ColumnName}') of {mapper.GetType().Name} asks for type {c.ClrType.Name}; supported types are {ColumnTypes.SupportedList}.",
                        nameof(mapper));
            })
            .ToList();
    }

    public override IReadOnlyList<ColumnRequest> Columns { get; }

    public override IReadOnlyList<ParquetColumnBinding> Bindings { get; }

    public override void Map(ParquetColumnBatch batch, object[] columns, int firstRow, Memory<T> destination) =>
        _mapper.Map(batch, firstRow, destination.Span);
}
