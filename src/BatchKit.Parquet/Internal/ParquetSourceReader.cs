using Parquet;

namespace BatchKit.Parquet.Internal;

/// <summary>Reads one partition of a Parquet file, row group by row group.</summary>
internal sealed class ParquetSourceReader<T> : ISourceReader<T>
{
    private readonly ParquetReader _reader;
    private readonly string _path;
    private readonly RowMaterializer<T> _materializer;
    private readonly ColumnReader[] _columns;
    private readonly object[] _arrays;
    private readonly long[] _firstRowInFile;
    private readonly int _endRowGroup;
    private readonly SourceContext? _context;
    private ColumnReader?[]? _nullColumns;
    private int _rowGroup;
    private int _nextRowGroup;
    private int _pendingSkip;
    private ParquetColumnBatch? _batch;
    private int _offset;

    private ParquetSourceReader(ParquetReader reader, string path, RowMaterializer<T> materializer, ColumnReader[] columns, int firstRowGroup, int endRowGroup, SourceContext? context)
    {
        _context = context;
        _reader = reader;
        _path = path;
        _materializer = materializer;
        _columns = columns;
        _arrays = new object[columns.Length];
        _nextRowGroup = firstRowGroup;
        _endRowGroup = endRowGroup;
        _firstRowInFile = new long[reader.RowGroupCount + 1];
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            _firstRowInFile[g + 1] = _firstRowInFile[g] + reader.RowGroups[g].RowCount;
        }
    }

    public long Position { get; private set; }

    public static async ValueTask<ParquetSourceReader<T>> OpenAsync(ParquetPartitionSlice slice, IInputOpener opener, RowMaterializer<T> materializer, long position, SourceContext? context, CancellationToken cancellationToken)
    {
        var options = new ParquetOptions { UseDateOnlyTypeForDates = true };
        ParquetReader reader;
        try
        {
            var stream = await opener.OpenReadAsync(slice.Path, cancellationToken).ConfigureAwait(false);
            try
            {
                reader = await ParquetReader.CreateAsync(stream, options, leaveStreamOpen: false, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await stream.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
        catch (IOException ex) when (ex.GetType() == typeof(IOException) || ex is EndOfStreamException) // not a Parquet file; a failed network read of an object is retried instead
        {
            throw new InvalidDataException($"Parquet file '{slice.Path}' cannot be read: {ex.Message}", ex);
        }

        try
        {
            var columns = ColumnResolver.Resolve(reader.Schema, slice.Path, materializer.Columns);
            var end = slice.EndRowGroup ?? reader.RowGroupCount;
            if (end > reader.RowGroupCount)
            {
                throw new InvalidDataException(
                    $"Parquet file '{slice.Path}' has {reader.RowGroupCount} row groups, but the partition reads row groups {slice.FirstRowGroup} to {end - 1}; the file changed after the run was planned.");
            }

            var result = new ParquetSourceReader<T>(reader, slice.Path, materializer, columns, slice.FirstRowGroup, end, context);
            result.Seek(position);
            return result;
        }
        catch
        {
            await reader.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask<int> ReadAsync(Memory<T> buffer, CancellationToken cancellationToken)
    {
        var written = 0;
        while (written < buffer.Length)
        {
            if (_batch is null || _offset >= _batch.RowCount)
            {
                if (!await LoadNextRowGroupAsync(cancellationToken).ConfigureAwait(false))
                {
                    break;
                }

                continue;
            }

            var count = Math.Min(buffer.Length - written, _batch.RowCount - _offset);
            var slice = buffer.Slice(written, count);
            _materializer.Map(_batch, _arrays, _offset, slice);
            var kept = _nullColumns is null ? count : DropNullRows(slice.Span, count);
            _offset += count;
            written += kept;
            Position += count;
        }

        return written;
    }

    public ValueTask DisposeAsync() => _reader.DisposeAsync();

    /// <summary>
    /// Removes the rows of <paramref name="records"/> that hold a null a property cannot take, and reports each as a
    /// bad record naming the file, row group, row and column; returns how many records are kept.
    /// </summary>
    private int DropNullRows(Span<T> records, int count)
    {
        var kept = 0;
        for (var j = 0; j < count; j++)
        {
            var row = _offset + j;
            if (_nullColumns![row] is not { } column)
            {
                records[kept++] = records[j];
                continue;
            }

            var rowInFile = _firstRowInFile[_rowGroup] + row;
            var location = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Parquet file '{_path}', row group {_rowGroup}, row {rowInFile}");
            var reason = $"{location}: column '{column.Scope.Field.Name}' is null, but {column.Scope.Target} does not accept null; make it nullable to accept nulls.";
            if (_context is null)
            {
                throw new InvalidDataException(reason);
            }

            _context.ReportBadRecord(Position + j, location, reason);
        }

        records[kept..count].Clear();
        return kept;
    }

    private void Seek(long position)
    {
        var remaining = position;
        while (_nextRowGroup < _endRowGroup && remaining > 0 && remaining >= RowCount(_nextRowGroup))
        {
            remaining -= RowCount(_nextRowGroup);
            _nextRowGroup++;
        }

        if (remaining > 0 && _nextRowGroup >= _endRowGroup)
        {
            throw new InvalidDataException(
                $"Parquet file '{_path}': position {position} is past the end of the partition, which has {position - remaining} rows.");
        }

        _pendingSkip = (int)remaining;
        Position = position;
    }

    private long RowCount(int rowGroup) => _firstRowInFile[rowGroup + 1] - _firstRowInFile[rowGroup];

    private async ValueTask<bool> LoadNextRowGroupAsync(CancellationToken cancellationToken)
    {
        while (_nextRowGroup < _endRowGroup)
        {
            var index = _nextRowGroup++;
            var rowCount = checked((int)RowCount(index));
            if (rowCount == 0)
            {
                continue;
            }

            var rowGroup = _reader.OpenRowGroupReader(index);
            _nullColumns = null;
            for (var k = 0; k < _columns.Length; k++)
            {
                await _columns[k].ReadAsync(rowGroup, rowCount, _firstRowInFile[index], cancellationToken).ConfigureAwait(false);
                _arrays[k] = _columns[k].Values;
                foreach (var row in _columns[k].NullRows)
                {
                    _nullColumns ??= new ColumnReader?[rowCount];
                    _nullColumns[row] ??= _columns[k];
                }
            }

            _rowGroup = index;

            _batch = new ParquetColumnBatch(_arrays, _materializer.Bindings, _path, index, rowCount);
            _offset = _pendingSkip;
            _pendingSkip = 0;
            return true;
        }

        return false;
    }
}
