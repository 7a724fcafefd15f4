namespace BatchKit.Benchmarks.Support;

/// <summary>A sink that only adds up the values it receives (thread-safe across partitions).</summary>
public sealed class SumSink : ISink<double>
{
    private readonly Lock _lock = new();
    private double _sum;
    private long _count;

    public WriteDisposition Disposition => WriteDisposition.Upsert;

    public double Sum => _sum;

    public long Count => _count;

    public void Reset()
    {
        _sum = 0;
        _count = 0;
    }

    public ValueTask<ISinkWriter<double>> OpenAsync(SinkContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult<ISinkWriter<double>>(new Writer(this));

    private sealed class Writer(SumSink owner) : ISinkWriter<double>
    {
        private double _sum;
        private long _count;

        public ValueTask WriteAsync(ReadOnlyMemory<double> records, CancellationToken cancellationToken)
        {
            foreach (var value in records.Span)
            {
                _sum += value;
            }

            _count += records.Length;
            return ValueTask.CompletedTask;
        }

        public ValueTask<long> CommitAsync(CancellationToken cancellationToken) => ValueTask.FromResult(0L);

        public ValueTask CompleteAsync(CancellationToken cancellationToken)
        {
            lock (owner._lock)
            {
                owner._sum += _sum;
                owner._count += _count;
            }

            _sum = 0;
            _count = 0;
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
