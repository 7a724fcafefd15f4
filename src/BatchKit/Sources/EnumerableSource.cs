namespace BatchKit;

/// <summary>
/// Reads records from memory or from any enumerable: the records of a partition are produced by a function of the
/// partition, and resuming at position P skips the first P records.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
/// <remarks>Thread-safe when the function is.</remarks>
public sealed class EnumerableSource<T> : ISource<T>
{
    private readonly Func<Partition, IEnumerable<T>> _records;

    /// <summary>Initializes a new instance of the <see cref="EnumerableSource{T}"/> class.</summary>
    /// <param name="records">Produces the records of a partition, in the same order every time.</param>
    public EnumerableSource(Func<Partition, IEnumerable<T>> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        _records = records;
    }

    /// <summary>
    /// Creates a source over a list. Partitions with <see cref="PartitionDescriptor.Rows"/> descriptors read their row
    /// range; any other partition reads the whole list.
    /// </summary>
    /// <param name="records">The records.</param>
    /// <returns>The source.</returns>
    public static EnumerableSource<T> FromList(IReadOnlyList<T> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        return new EnumerableSource<T>(partition =>
        {
            if (!partition.Descriptor.StartsWith("rows:", StringComparison.Ordinal))
            {
                return records;
            }

            var (start, end) = PartitionDescriptor.ParseRows(partition.Descriptor);
            return Range(records, start, Math.Min(end, records.Count));
        });
    }

    /// <inheritdoc/>
    public ValueTask<ISourceReader<T>> OpenAsync(SourceContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var enumerator = _records(context.Partition).GetEnumerator();
        var position = 0L;
        while (position < context.Position && enumerator.MoveNext())
        {
            position++;
        }

        return ValueTask.FromResult<ISourceReader<T>>(new Reader(enumerator, position));
    }

    private static IEnumerable<T> Range(IReadOnlyList<T> records, long start, long end)
    {
        for (var i = start; i < end; i++)
        {
            yield return records[(int)i];
        }
    }

    private sealed class Reader(IEnumerator<T> enumerator, long position) : ISourceReader<T>
    {
        public long Position { get; private set; } = position;

        public ValueTask<int> ReadAsync(Memory<T> buffer, CancellationToken cancellationToken)
        {
            var span = buffer.Span;
            var n = 0;
            while (n < span.Length && enumerator.MoveNext())
            {
                span[n++] = enumerator.Current;
            }

            Position += n;
            return ValueTask.FromResult(n);
        }

        public ValueTask DisposeAsync()
        {
            enumerator.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
