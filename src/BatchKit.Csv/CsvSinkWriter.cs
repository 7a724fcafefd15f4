using CsvHelper;

namespace BatchKit.Csv;

/// <summary>Writes one partition attempt to its partial file; publishes it by renaming.</summary>
/// <typeparam name="T">The record type.</typeparam>
internal sealed class CsvSinkWriter<T> : ISinkWriter<T>
    where T : class
{
    private readonly CsvRecordFormatter<T> _formatter;
    private readonly string _partialPath;
    private readonly string _finalPath;
    private FileStream? _stream;
    private CsvWriter? _writer;

    public CsvSinkWriter(FileStream stream, CsvWriter writer, CsvRecordFormatter<T> formatter, string partialPath, string finalPath)
    {
        _stream = stream;
        _writer = writer;
        _formatter = formatter;
        _partialPath = partialPath;
        _finalPath = finalPath;
    }

    public async ValueTask WriteAsync(ReadOnlyMemory<T> records, CancellationToken cancellationToken)
    {
        var writer = _writer ?? throw new InvalidOperationException($"{_finalPath}: the partition was already completed; no more rows can be written.");
        for (var i = 0; i < records.Length; i++)
        {
            var record = records.Span[i] ?? throw new ArgumentException($"{_finalPath}: expected records, found null at index {i} of the chunk.", nameof(records));
            _formatter.Write(writer, record);
            await writer.EndRecordAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask<long> CommitAsync(CancellationToken cancellationToken)
    {
        var writer = _writer ?? throw new InvalidOperationException($"{_finalPath}: the partition was already completed.");
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        _stream!.Flush(flushToDisk: true);
        return _stream.Position;
    }

    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        if (_writer is not null)
        {
            await CommitAsync(cancellationToken).ConfigureAwait(false);
            await CloseAsync().ConfigureAwait(false);
        }

        if (File.Exists(_partialPath))
        {
            File.Move(_partialPath, _finalPath, overwrite: true);
        }
        else if (!File.Exists(_finalPath))
        {
            throw new InvalidDataException($"{_partialPath}: expected the partial output to publish as '{_finalPath}', found neither file.");
        }
    }

    public ValueTask DisposeAsync() => CloseAsync();

    private async ValueTask CloseAsync()
    {
        if (_writer is not null)
        {
            await _writer.DisposeAsync().ConfigureAwait(false);
            _writer = null;
        }

        if (_stream is not null)
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
            _stream = null;
        }
    }
}
