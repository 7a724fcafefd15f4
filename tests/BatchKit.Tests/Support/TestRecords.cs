using System.Collections.Concurrent;

namespace BatchKit.Tests.Support;

public sealed record Item(long Id, string Name, int Value);

public sealed record Doubled(long Id, string Name, int Value);

/// <summary>A sink that collects everything written, per partition, for exactly-once checks; can be slowed down or made to fail.</summary>
public sealed class CollectingSink<T>(WriteDisposition disposition = WriteDisposition.Upsert) : ISink<T>
{
    private int _chunks;

    public ConcurrentQueue<(string PartitionId, T Record)> Written { get; } = new();

    public Func<int, ValueTask>? BeforeWrite { get; set; }

    public int Chunks => Volatile.Read(ref _chunks);

    public WriteDisposition Disposition => disposition;

    public IReadOnlyList<T> Records => Written.Select(w => w.Record).ToList();

    public ValueTask<ISinkWriter<T>> OpenAsync(SinkContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult<ISinkWriter<T>>(new Writer(this, context));

    private sealed class Writer(CollectingSink<T> sink, SinkContext context) : ISinkWriter<T>
    {
        public async ValueTask WriteAsync(ReadOnlyMemory<T> records, CancellationToken cancellationToken)
        {
            var chunk = Interlocked.Increment(ref sink._chunks);
            if (sink.BeforeWrite is { } hook)
            {
                await hook(chunk);
            }

            foreach (var record in records.Span)
            {
                sink.Written.Enqueue((context.Partition.Id, record));
            }
        }

        public ValueTask<long> CommitAsync(CancellationToken cancellationToken) => ValueTask.FromResult(0L);

        public ValueTask CompleteAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

/// <summary>Items 1..count with deterministic names and values.</summary>
public static class Items
{
    public static readonly System.Text.Json.JsonSerializerOptions Json = new(System.Text.Json.JsonSerializerDefaults.Web);

    public static List<Item> Create(int count) => Enumerable.Range(1, count).Select(i => new Item(i, "item-" + i, i % 97)).ToList();

    public static void WriteJsonLines(string directory, int files, int perFile, Func<int, string?>? lineOverride = null)
    {
        Directory.CreateDirectory(directory);
        var id = 0;
        for (var f = 0; f < files; f++)
        {
            using var writer = new StreamWriter(Path.Combine(directory, $"in-{f:D2}.jsonl"));
            for (var i = 0; i < perFile; i++)
            {
                id++;
                writer.WriteLine(lineOverride?.Invoke(id) ?? System.Text.Json.JsonSerializer.Serialize(new Item(id, "item-" + id, id % 97), Json));
            }
        }
    }

    public static List<Doubled> ReadOutput(string directory) =>
        Directory.GetFiles(directory, "*.jsonl", SearchOption.AllDirectories)
            .SelectMany(File.ReadLines)
            .Select(l => System.Text.Json.JsonSerializer.Deserialize<Doubled>(l, Json)!)
            .ToList();
}
