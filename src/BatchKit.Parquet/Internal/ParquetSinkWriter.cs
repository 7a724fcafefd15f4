using System.Runtime.InteropServices;
using Parquet;
using Parquet.Schema;

namespace BatchKit.Parquet.Internal;

/// <summary>Writes one partition attempt to its epoch-scoped file and publishes it under the lease on completion.</summary>
internal sealed class ParquetSinkWriter<T> : ISinkWriter<T>
{
    private readonly FencedPartitionFile _file;
    private readonly ParquetWriter _writer;
    private readonly ColumnWriter[] _columns;
    private readonly object[] _arrays;
    private readonly ColumnExtractor<T> _extractor;
    private readonly int _capacity;
    private int _buffered;
    private bool _closed;
    private bool _completed;
    private bool _disposed;

    private ParquetSinkWriter(FencedPartitionFile file, ParquetWriter writer, ColumnWriter[] columns, ColumnExtractor<T> extractor)
    {
        _file = file;
        _writer = writer;
        _columns = columns;
        _arrays = columns.Select(c => c.Values).ToArray();
        _extractor = extractor;
        _capacity = ((Array)_arrays[0]).Length;
    }

    /// <summary>Opens the attempt's file, always from the beginning: a Parquet partition is rewritten as a whole.</summary>
    public static async ValueTask<ParquetSinkWriter<T>> OpenAsync(
        SinkContext context, string finalPath, ParquetSchema schema, ParquetOptions options, ColumnWriter[] columns, ColumnExtractor<T> extractor, CancellationToken cancellationToken)
    {
        var file = await FencedPartitionFile.OpenAsync(context with { ResumePosition = null }, finalPath, cancellationToken).ConfigureAwait(false);
        try
        {
            var writer = await ParquetWriter.CreateAsync(schema, file.Stream, options, false, cancellationToken).ConfigureAwait(false);
            return new ParquetSinkWriter<T>(file, writer, columns, extractor);
        }
        catch
        {
            await file.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask WriteAsync(ReadOnlyMemory<T> records, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed)
        {
            throw new InvalidOperationException($"The Parquet file '{_file.FinalPath}' was already completed.");
        }

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

    public ValueTask<long> CommitAsync(CancellationToken cancellationToken) => ValueTask.FromResult(0L);

    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed)
        {
            return;
        }

        if (!_closed)
        {
            await FlushRowGroupAsync(cancellationToken).ConfigureAwait(false);
            await _writer.DisposeAsync().ConfigureAwait(false);
            _closed = true;
        }

        await _file.PublishAsync(cancellationToken).ConfigureAwait(false);
        _completed = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            if (!_closed)
            {
                _closed = true;
                await _writer.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            // A partition is rewritten as a whole, so an unpublished file is of no use: remove it. Only this epoch ever
            // writes it; the published file and other epochs' files are never touched.
            await _file.DisposeAsync().ConfigureAwait(false);
            if (!_completed)
            {
                File.Delete(_file.PartialPath);
            }
        }
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
