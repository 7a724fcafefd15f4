namespace BatchKit.Parquet;

/// <summary>
/// The decoded columns of one row group, handed to an <see cref="IParquetRowMapper{T}"/>. Column <c>k</c> is an array
/// of the type of <see cref="IParquetRowMapper{T}.Columns"/>[<c>k</c>]; row <c>r</c> of the row group is element <c>r</c>.
/// </summary>
/// <remarks>
/// The arrays belong to the reader and are overwritten by the next row group: read them during
/// <see cref="IParquetRowMapper{T}.Map"/> only. They may be longer than <see cref="RowCount"/>.
/// </remarks>
public sealed class ParquetColumnBatch
{
    private readonly object[] _columns;
    private readonly IReadOnlyList<ParquetColumnBinding> _bindings;

    internal ParquetColumnBatch(object[] columns, IReadOnlyList<ParquetColumnBinding> bindings, string filePath, int rowGroup, int rowCount)
    {
        _columns = columns;
        _bindings = bindings;
        FilePath = filePath;
        RowGroup = rowGroup;
        RowCount = rowCount;
    }

    /// <summary>Gets the path of the file being read.</summary>
    public string FilePath { get; }

    /// <summary>Gets the index of the row group in its file.</summary>
    public int RowGroup { get; }

    /// <summary>Gets the number of rows of the row group.</summary>
    public int RowCount { get; }

    /// <summary>Gets the decoded values of a column.</summary>
    /// <typeparam name="TValue">The element type declared by the column's <see cref="ParquetColumnBinding.ClrType"/>.</typeparam>
    /// <param name="columnIndex">The index of the column in <see cref="IParquetRowMapper{T}.Columns"/>.</param>
    /// <returns>The values, indexed by row within the row group.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="columnIndex"/> is not the index of a column.</exception>
    /// <exception cref="InvalidCastException"><typeparamref name="TValue"/> is not the column's declared type.</exception>
    public TValue[] GetValues<TValue>(int columnIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(columnIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(columnIndex, _columns.Length);
        return _columns[columnIndex] as TValue[]
            ?? throw new InvalidCastException(
                $"Column {columnIndex} ('{_bindings[columnIndex].ColumnName}') is decoded as {_bindings[columnIndex].ClrType.Name}[], not {typeof(TValue).Name}[].");
    }
}
