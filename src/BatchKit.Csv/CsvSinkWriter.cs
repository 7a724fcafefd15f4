using CsvHelper;

namespace BatchKit.Csv;

/// <summary>Writes one partition attempt to its epoch-scoped file; publishes it under the lease.</summary>
/// <typeparam name="T">The record type.</typeparam>
internal sealed class CsvSinkWriter<T> : ISinkWriter<T>
    where T : class
{
    private readonly CsvRecordFormatter<T> _formatter;
    private readonly FencedPartitionFile _file;
    private CsvWriter? _writer;

    public CsvSinkWriter(FencedPartitionFile file, CsvWriter writer, CsvRecordFormatter<T> formatter)
    {
        _file = file;
        _writer = writer;
        _formatter = formatter;
    }

    public async ValueTask WriteAsync(ReadOnlyMemory<T> records, CancellationToken cancellationToken)
    {
        var writer = _writer ?? throw new InvalidOperationException($"{_file.FinalPath}: the partition was already completed; no more rows can be written.");
        for (var i = 0; i < records.Length; i++)
        {
            var record = records.Span[i] ?? throw new ArgumentException($"{_file.FinalPath}: expected records, found null at index {i} of the chunk.", nameof(records));
            _formatter.Write(writer, record);
            await writer.EndRecordAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask<long> CommitAsync(CancellationToken cancellationToken)
    {
        var writer = _writer ?? throw new InvalidOperationException($"{_file.FinalPath}: the partition was already completed.");
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        return _file.Commit();
    }

    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        if (_writer is { } writer)
        {
            await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            await writer.DisposeAsync().ConfigureAwait(false);
            _writer = null;
        }

        await _file.PublishAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_writer is not null)
        {
            await _writer.DisposeAsync().ConfigureAwait(false);
            _writer = null;
        }

        await _file.DisposeAsync().ConfigureAwait(false);
    }
}
