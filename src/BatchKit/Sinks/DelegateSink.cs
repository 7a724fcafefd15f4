namespace BatchKit;

/// <summary>
/// Hands each chunk to a function. Delivery is at least once: a retried chunk or a resumed partition can repeat
/// records written after the last checkpoint, so the function must be idempotent (an upsert), or guard its side
/// effects with an <see cref="IdempotencyGuard"/>.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
public sealed class DelegateSink<T> : ISink<T>
{
    private readonly Func<SinkContext, ReadOnlyMemory<T>, CancellationToken, ValueTask> _write;

    /// <summary>Initializes a new instance of the <see cref="DelegateSink{T}"/> class.</summary>
    /// <param name="write">Writes one chunk of a partition.</param>
    /// <param name="disposition">How <paramref name="write"/> makes repeated writes harmless.</param>
    public DelegateSink(Func<SinkContext, ReadOnlyMemory<T>, CancellationToken, ValueTask> write, WriteDisposition disposition = WriteDisposition.Upsert)
    {
        ArgumentNullException.ThrowIfNull(write);
        _write = write;
        Disposition = disposition;
    }

    /// <summary>Initializes a new instance of the <see cref="DelegateSink{T}"/> class.</summary>
    /// <param name="write">Writes one chunk.</param>
    /// <param name="disposition">How <paramref name="write"/> makes repeated writes harmless.</param>
    public DelegateSink(Action<ReadOnlyMemory<T>> write, WriteDisposition disposition = WriteDisposition.Upsert)
        : this(Wrap(write), disposition)
    {
    }

    /// <inheritdoc/>
    public WriteDisposition Disposition { get; }

    /// <inheritdoc/>
    public ValueTask<ISinkWriter<T>> OpenAsync(SinkContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult<ISinkWriter<T>>(new Writer(_write, context));

    private static Func<SinkContext, ReadOnlyMemory<T>, CancellationToken, ValueTask> Wrap(Action<ReadOnlyMemory<T>> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        return (_, records, _) =>
        {
            write(records);
            return ValueTask.CompletedTask;
        };
    }

    private sealed class Writer(Func<SinkContext, ReadOnlyMemory<T>, CancellationToken, ValueTask> write, SinkContext context) : ISinkWriter<T>
    {
        public ValueTask WriteAsync(ReadOnlyMemory<T> records, CancellationToken cancellationToken) => write(context, records, cancellationToken);

        public ValueTask<long> CommitAsync(CancellationToken cancellationToken) => ValueTask.FromResult(0L);

        public ValueTask CompleteAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
