using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace BatchKit;

/// <summary>
/// What the observable instruments of <see cref="BatchKitDiagnostics"/> read: the partitions and run attempts running in
/// this process. Measurements are aggregated per job (and stage), never per partition.
/// </summary>
internal static class TelemetryRegistry
{
    private static readonly ConcurrentDictionary<PartitionProbe, byte> Partitions = new();
    private static readonly ConcurrentDictionary<RunCounters, byte> Runs = new();

    public static void Add(PartitionProbe probe) => Partitions.TryAdd(probe, 0);

    public static void Remove(PartitionProbe probe) => Partitions.TryRemove(probe, out _);

    public static void Add(RunCounters counters) => Runs.TryAdd(counters, 0);

    public static void Remove(RunCounters counters) => Runs.TryRemove(counters, out _);

    public static IEnumerable<Measurement<double>> CheckpointLag() =>
        Partitions.Keys.GroupBy(p => p.JobName, StringComparer.Ordinal)
            .Select(g => new Measurement<double>(g.Max(p => p.CheckpointAge.TotalSeconds), BatchKitDiagnostics.Job(g.Key)))
            .ToList();

    public static IEnumerable<Measurement<long>> QueueDepth() =>
        Partitions.Keys.SelectMany(p => p.Queues().Select(q => (p.JobName, q.Stage, q.Count)))
            .GroupBy(x => (x.JobName, x.Stage))
            .Select(g => new Measurement<long>(g.Sum(x => (long)x.Count), BatchKitDiagnostics.Job(g.Key.JobName), new KeyValuePair<string, object?>("batchkit.stage", g.Key.Stage)))
            .ToList();

    public static IEnumerable<Measurement<double>> ErrorRate() =>
        Runs.Keys.GroupBy(r => r.JobName, StringComparer.Ordinal)
            .Select(g =>
            {
                var read = g.Sum(r => r.RecordsRead);
                return new Measurement<double>(read == 0 ? 0 : (double)g.Sum(r => r.Errors) / read, BatchKitDiagnostics.Job(g.Key));
            })
            .ToList();
}

/// <summary>One running partition attempt as the observable instruments see it: its queues and its last durable checkpoint.</summary>
internal sealed class PartitionProbe(string jobName, TimeProvider time)
{
    private readonly ConcurrentQueue<(string Stage, Func<int> Count)> _queues = new();
    private long _checkpointedAt = time.GetTimestamp();

    public string JobName { get; } = jobName;

    /// <summary>Gets the time since the last durable checkpoint (since the attempt started, before the first).</summary>
    public TimeSpan CheckpointAge => time.GetElapsedTime(Interlocked.Read(ref _checkpointedAt));

    /// <summary>Registers the channel in front of a stage.</summary>
    public void AddQueue(string stage, Func<int> count) => _queues.Enqueue((stage, count));

    /// <summary>Notes that a checkpoint became durable.</summary>
    public void Checkpointed() => Interlocked.Exchange(ref _checkpointedAt, time.GetTimestamp());

    public IEnumerable<(string Stage, int Count)> Queues() => _queues.Select(q => (q.Stage, q.Count()));
}
