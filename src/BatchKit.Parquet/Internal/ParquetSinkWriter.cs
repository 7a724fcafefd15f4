namespace BatchKit.Parquet.Internal;

/// <summary>Writes one partition attempt to its epoch-scoped file and publishes it under the lease on completion.</summary>
internal sealed class ParquetSinkWriter<T> : ISinkWriter<T>
{
    private readonly FencedPartitionFile _file;
    private readonly ParquetStreamWriter<T> _writer;
    private bool _completed;
    private bool _disposed;

    private ParquetSinkWriter(FencedPartitionFile file, ParquetStreamWriter<T> writer)
    {
        _file = file;
        _writer = writer;
    }

    /// <summary>Opens the attempt's file, always from the beginning: a Parquet partition is rewritten as a whole.</summary>
    public static async ValueTask<ParquetSinkWriter<T>> OpenAsync(SinkContext context, string finalPath, ParquetRecordFormat<T> format, CancellationToken cancellationToken)
    {
        var file = await FencedPartitionFile.OpenAsync(context with { ResumePosition = null }, finalPath, cancellationToken).ConfigureAwait(false);
        try
        {
            var writer = await format.CreateStreamWriterAsync(file.Stream, finalPath, cancellationToken).ConfigureAwait(false);
            return new ParquetSinkWriter<T>(file, writer);
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

        await _writer.WriteAsync(records, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<long> CommitAsync(CancellationToken cancellationToken) => ValueTask.FromResult(0L);

    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed)
        {
            return;
        }

        await _writer.FinishAsync(cancellationToken).ConfigureAwait(false);
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
            await _writer.DisposeAsync().ConfigureAwait(false);
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
}
