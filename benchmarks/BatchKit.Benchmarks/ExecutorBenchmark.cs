using BatchKit.Benchmarks.Support;
using BenchmarkDotNet.Attributes;

namespace BatchKit.Benchmarks;

/// <summary>
/// Executor overhead: N small records through a trivial step into a summing sink, run by BatchKit, by a plain loop, and
/// by a hand-written System.Threading.Channels pipeline (source → step → sink tasks, bounded channels of arrays of
/// 1000 records), at 1, 2 and <see cref="Environment.ProcessorCount"/> partitions.
/// </summary>
/// <remarks>
/// "Δ ns/record" of the BatchKit row is the executor's total hand-off cost per record: (BatchKit − plain loop) / N.
/// BatchKit runs with the in-memory checkpoint store, so its per-chunk checkpoint is included but costs little; see
/// <see cref="CheckpointBenchmark"/> for the SQLite store.
/// </remarks>
[MemoryDiagnoser]
[Config(typeof(PerRecordConfig))]
[SimpleJob(warmupCount: 2, iterationCount: 5)]
public class ExecutorBenchmark
{
    private const int ChunkSize = 1000;

    private Event[] _records = [];
    private SumSink _sink = new();
    private JobRunner _runner = null!;

    [Params(100_000, 1_000_000)]
    public int N { get; set; }

    [ParamsSource(nameof(PartitionCounts))]
    public int Partitions { get; set; }

    public static IEnumerable<int> PartitionCounts => new[] { 1, 2, Environment.ProcessorCount }.Distinct();

    [GlobalSetup]
    public void Setup()
    {
        _records = Event.Generate(N);
        _sink = new SumSink();
        _runner = BenchJobs.Runner("executor-benchmark", _records, Partitions, ChunkSize, _sink, new InMemoryCheckpointStore());
        var expected = PlainLoop();
        BenchJobs.Check(BatchKitAsync().GetAwaiter().GetResult(), expected, "BatchKit");
        BenchJobs.Check(ChannelsPipelineAsync().GetAwaiter().GetResult(), expected, "The Channels pipeline");
    }

    [Benchmark(Baseline = true)]
    public double PlainLoop() => Baselines.PlainLoop(_records, Partitions);

    [Benchmark]
    public Task<double> ChannelsPipelineAsync() => Baselines.ChannelsAsync(_records, Partitions, ChunkSize);

    [Benchmark]
    public async Task<double> BatchKitAsync()
    {
        _sink.Reset();
        await BenchJobs.RunAsync(_runner);
        return _sink.Sum;
    }
}
