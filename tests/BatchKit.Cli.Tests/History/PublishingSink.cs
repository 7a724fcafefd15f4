using System.Collections.Concurrent;

namespace BatchKit.Cli.Tests.History;

/// <summary>An in-memory sink that publishes per run and reports duplicate ids in what it wrote.</summary>
public sealed class PublishingSink : ISink<Order>, IRunCompletingSink, IDuplicateKeyReporter
{
    private int _published;

    public ConcurrentDictionary<string, List<Order>> Partitions { get; } = new();

    public int Published => Volatile.Read(ref _published);

    public WriteDisposition Disposition => WriteDisposition.ReplacePartition;

    public ValueTask<ISinkWriter<Order>> OpenAsync(SinkContext context, CancellationToken cancellationToken)
    {
        var rows = new List<Order>();
        Partitions[context.Partition.Id] = rows;
        return ValueTask.FromResult<ISinkWriter<Order>>(new Writer(rows));
    }

    public ValueTask CompleteRunAsync(RunCompletionContext context, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _published);
        return ValueTask.CompletedTask;
    }

    public ValueTask<long> CountDuplicateKeysAsync(RunCompletionContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult((long)context.Partitions
            .SelectMany(p => Partitions.TryGetValue(p.Id, out var rows) ? rows : [])
            .GroupBy(o => o.Id)
            .Count(g => g.Count() > 1));

    private sealed class Writer(List<Order> rows) : ISinkWriter<Order>
    {
        public ValueTask WriteAsync(ReadOnlyMemory<Order> records, CancellationToken cancellationToken)
        {
            rows.AddRange(records.ToArray());
            return ValueTask.CompletedTask;
        }

        public ValueTask<long> CommitAsync(CancellationToken cancellationToken) => ValueTask.FromResult((long)rows.Count);

        public ValueTask CompleteAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
