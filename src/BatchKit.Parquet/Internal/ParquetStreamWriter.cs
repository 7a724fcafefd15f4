using System.Runtime.InteropServices;
using Parquet;

namespace BatchKit.Parquet.Internal;

/// <summary>
/// Writes one Parquet file front to back to a stream: rows are buffered column-wise up to a row group, each full row
/// group is encoded and written, and finishing writes the last row group and the footer.
/// </summary>
internal sealed class ParquetStreamWriter<T> : RecordFormatWriter<T>
{
    private readonly ParquetWriter _writer;
    private readonly ColumnWriter[] _columns;
    private readonly object[] _arrays;
    private readonly ColumnExtractor<T> _extractor;
    private readonly string _name;
    private readonly int _capacity;
    private int _buffered;
    private bool _closed;

    public ParquetStreamWriter(ParquetWriter writer, ColumnWriter[] columns, ColumnExtractor<T> extractor, string name)
    {
        _writer = writer;
        _columns = columns;
        _arrays = columns.Select(c => c.Values).ToArray();
        _extractor = extractor;
        _name = name;
        _capacity = ((Array)_arrays[0]).Length;
    }

    protected override async ValueTask WriteCoreAsync(ReadOnlyMemory<T> records, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_closed && !IsFinished, _name);
        var source = MemoryMarshal.TryGetArray(records, out var segment) ? segment : new ArraySegment<T>(records.ToArray());
        var done = 0;
        while (done < source.Count)
        {
            var count = Math.Min(source.Count - done, _capacity - _buffered);
            _extractor(source.Array!, source.Offset + done, _arrays, _buffered, count);
            _buffered += count;
            done += count;
            if (_buffered == _capacity)
            {
                await FlushRowGroupAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    protected override async ValueTask FinishCoreAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_closed, _name);
        await FlushRowGroupAsync(cancellationToken).ConfigureAwait(false);
        _closed = true;
        await _writer.DisposeAsync().ConfigureAwait(false); // writes the footer
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        if (!_closed)
        {
            _closed = true;
            await _writer.DisposeAsync().ConfigureAwait(false); // the object is unfinished and discarded by the caller
        }

        await base.DisposeAsyncCore().ConfigureAwait(false);
    }

    private async ValueTask FlushRowGroupAsync(CancellationToken cancellationToken)
    {
        if (_buffered == 0)
        {
            return;
        }

        using (var rowGroup = _writer.CreateRowGroup())
        {
            foreach (var column in _columns)
            {
                await column.WriteAsync(rowGroup, _buffered, cancellationToken).ConfigureAwait(false);
            }
        }

        _buffered = 0;
    }
}
