namespace BatchKit;

/// <summary>
/// Reads a partition through the source retry policy: a failed open or read disposes the reader and reopens the
/// partition at the position after the last record returned, so nothing is read twice or skipped.
/// </summary>
/// <remarks>
/// Bad records the source reports are kept within the partition's budget of stored payloads and only counted past
/// it, so memory stays bounded however many there are; and the error rate is checked as they arrive, so an input of
/// bad records fails the run after <see cref="JobOptions.ErrorRateMinimumRecords"/> instead of at its end.
/// </remarks>
internal sealed class RetryingSourceReader<T>(ISource<T> source, PartitionRuntime runtime) : IAsyncDisposable
{
    private readonly List<ErrorRecordDraft> _errors = [];
    private long _unstored;
    private ISourceReader<T>? _reader;

    public long Position { get; private set; } = runtime.StartPosition;

    public async ValueTask<int> ReadAsync(Memory<T> buffer, CancellationToken token)
    {
        var errorsBefore = _errors.Count;
        var unstoredBefore = _unstored;
        return await runtime.SourceRetry.ExecuteAsync(
            async t =>
            {
                try
                {
                    if (_reader is null)
                    {
                        // Bad records reported by a failed call are reported again after the reopen.
                        _errors.RemoveRange(errorsBefore, _errors.Count - errorsBefore);
                        _unstored = unstoredBefore;
                        _reader = await source.OpenAsync(new SourceContext(runtime.RunKey, runtime.Partition, Position, OnBadRecord), t).ConfigureAwait(false);
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

    /// <summary>Takes the bad records reported since the last call: the stored ones, and how many more were only counted.</summary>
    public (List<ErrorRecordDraft>? Stored, long Unstored) TakeErrors()
    {
        var unstored = _unstored;
        _unstored = 0;
        if (_errors.Count == 0)
        {
            return (null, unstored);
        }

        var taken = new List<ErrorRecordDraft>(_errors);
        _errors.Clear();
        return (taken, unstored);
    }

    private void OnBadRecord(ErrorRecordDraft draft)
    {
        if (runtime.ErrorBudget.TryTake())
        {
            _errors.Add(draft);
        }
        else
        {
            _unstored++;
        }

        // The source has not returned the good records of this read yet: count a full chunk of them, so the rate
        // checked here is never above the real one.
        var pending = _errors.Count + _unstored;
        ErrorRate.ThrowIfExceeded(runtime.Job, runtime.Counters.RecordsRead + pending, runtime.Counters.Errors + pending, final: false, unseen: runtime.CommitInterval);
    }

    public ValueTask DisposeAsync() => DisposeReaderAsync();

    private ValueTask DisposeReaderAsync()
    {
        var abandoned = _reader;
        _reader = null;
        return QuietDispose.DisposeAsync(abandoned);
    }
}
