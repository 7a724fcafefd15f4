namespace BatchKit.Benchmarks.Support;

/// <summary>
/// A source over an in-memory array that fills the executor's buffers with block copies, so that a benchmark measures
/// the executor, not the source. Row-range partitions read their slice; any other partition reads the whole array.
/// </summary>
public sealed class ArraySource<T>(T[] records) : ISource<T>
{
    public ValueTask<ISourceReader<T>> OpenAsync(SourceContext context, CancellationToken cancellationToken)
    {
        var (start, end) = context.Partition.Descriptor.StartsWith("rows:", StringComparison.Ordinal)
            ? PartitionDescriptor.ParseRows(context.Partition.Descriptor)
            : (0L, records.LongLength);
        end = Math.Min(end, records.LongLength);
        return ValueTask.FromResult<ISourceReader<T>>(new Reader(records, (int)(start + context.Position), (int)end, context.Position));
    }

    private sealed class Reader(T[] records, int next, int end, long position) : ISourceReader<T>
    {
        public long Position { get; private set; } = position;

        public ValueTask<int> ReadAsync(Memory<T> buffer, CancellationToken cancellationToken)
        {
            var n = Math.Min(buffer.Length, end - next);
            records.AsSpan(next, n).CopyTo(buffer.Span);
            next += n;
            Position += n;
            return ValueTask.FromResult(n);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
