namespace BatchKit;

/// <summary>
/// Reads a partition through the source retry policy: a failed open or read disposes the reader and reopens the
/// partition at the position after the last record returned, so nothing is read twice or skipped.
/// </summary>
internal sealed class RetryingSourceReader<T>(ISource<T> source, PartitionRuntime runtime) : IAsyncDisposable
{
    private readonly List<ErrorRecordDraft> _errors = [];
    private ISourceReader<T>? _reader;

    public long Position { get; private set; } = runtime.StartPosition;

    public async ValueTask<int> ReadAsync(Memory<T> buffer, CancellationToken token)
    {
        var errorsBefore = _errors.Count;
        return await runtime.SourceRetry.ExecuteAsync(
            async t =>
            {
                try
                {
                    if (_reader is null)
                    {
                        // Bad records reported by a failed call are reported again after the reopen.
                        _errors.RemoveRange(errorsBefore, _errors.Count - errorsBefore);
                        _reader = await source.OpenAsync(new SourceContext(runtime.RunKey, runtime.Partition, Position, _errors.Add), t).ConfigureAwait(false);
                    }

                    var n = await _reader.ReadAsync(buffer, t).ConfigureAwait(false);
                    Position = _reader.Position;
                    return n;
                }
                catch (Exception) when (!t.IsCancellationRequested)
                {
                    await DisposeReaderAsync().ConfigureAwait(false);
                    throw;
                }
            },
            token).ConfigureAwait(false);
    }

    public List<ErrorRecordDraft>? TakeErrors()
    {
        if (_errors.Count == 0)
        {
            return null;
        }

        var taken = new List<ErrorRecordDraft>(_errors);
        _errors.Clear();
        return taken;
    }

    public ValueTask DisposeAsync() => DisposeReaderAsync();

    private ValueTask DisposeReaderAsync()
    {
        var abandoned = _reader;
        _reader = null;
        return QuietDispose.DisposeAsync(abandoned);
    }
}
