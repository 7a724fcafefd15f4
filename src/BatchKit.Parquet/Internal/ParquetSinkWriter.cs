using System.Runtime.InteropServices;
using Parquet;
using Parquet.Schema;

namespace BatchKit.Parquet.Internal;

/// <summary>Writes one partition attempt to a temporary file and renames it over the final name on completion.</summary>
internal sealed class ParquetSinkWriter<T> : ISinkWriter<T>
{
    private readonly string _finalPath;
    private readonly string _tempPath;
    private readonly FileStream _stream;
    private readonly ParquetWriter _writer;
    private readonly ColumnWriter[] _columns;
    private readonly object[] _arrays;
    private readonly ColumnExtractor<T> _extractor;
    private readonly int _capacity;
    private int _buffered;
    private bool _completed;
    private bool _disposed;

    private ParquetSinkWriter(string finalPath, string tempPath, FileStream stream, ParquetWriter writer, ColumnWriter[] columns, ColumnExtractor<T> extractor)
    {
        _finalPath = finalPath;
        _tempPath = tempPath;
        _stream = stream;
        _writer = writer;
        _columns = columns;
        _arrays = columns.Select(c => c.Values).ToArray();
        _extractor = extractor;
        _capacity = ((Array)_arrays[0]).Length;
    }

    public static async ValueTask<ParquetSinkWriter<T>> OpenAsync(
        string finalPath, ParquetSchema schema, ParquetOptions options, ColumnWriter[] columns, ColumnExtractor<T> extractor, CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(finalPath)!;
        Directory.CreateDirectory(directory);
        foreach (var stale in Directory.EnumerateFiles(directory, Path.GetFileName(finalPath) + ".tmp-*"))
        {
            File.Delete(stale);
        }

        var tempPath = finalPath + ".tmp-" + Guid.NewGuid().ToString("N")[..12];
        var stream = new FileStream(tempPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, useAsync: true);
        try
        {
            var writer = await ParquetWriter.CreateAsync(schema, stream, options, false, cancellationToken).ConfigureAwait(false);
            return new ParquetSinkWriter<T>(finalPath, tempPath, stream, writer, columns, extractor);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            File.Delete(tempPath);
            throw;
        }
    }

    public async ValueTask WriteAsync(ReadOnlyMemory<T> records, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed)
        {
            throw new InvalidOperationException($"The Parquet file '{_finalPath}' was already completed.");
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

        await FlushRowGroupAsync(cancellationToken).ConfigureAwait(false);
        await _writer.DisposeAsync().ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        _stream.Flush(flushToDisk: true);
        await _stream.DisposeAsync().ConfigureAwait(false);
        File.Move(_tempPath, _finalPath, overwrite: true);
        _completed = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_completed)
        {
            return;
        }

        try
        {
            await _writer.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
            File.Delete(_tempPath);
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
