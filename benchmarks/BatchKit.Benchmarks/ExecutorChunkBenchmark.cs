using BatchKit.Benchmarks.Support;
using BenchmarkDotNet.Attributes;

namespace BatchKit.Benchmarks;

/// <summary>
/// Why records travel in chunks: the executor benchmark's job (one partition) at chunk sizes from 10 to 10,000 records,
/// next to the hand-written Channels pipeline with the same chunk size. A cost per chunk shows as Δ ns/record that
/// shrinks tenfold when the chunk grows tenfold; what remains at large chunks is the cost per record.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(PerRecordConfig))]
[SimpleJob(warmupCount: 2, iterationCount: 5)]
public class ExecutorChunkBenchmark
{
    private Event[] _records = [];
    private SumSink _sink = new();
    private JobRunner _runner = null!;

    [Params(200_000)]
    public int N { get; set; }

    [Params(10, 100, 1000, 10_000)]
    public int ChunkSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _records = Event.Generate(N);
        _sink = new SumSink();
        _runner = BenchJobs.Runner("executor-chunk-benchmark", _records, 1, ChunkSize, _sink, new InMemoryCheckpointStore());
        var expected = PlainLoop();
        BenchJobs.Check(BatchKitAsync().GetAwaiter().GetResult(), expected, "BatchKit");
        BenchJobs.Check(ChannelsPipelineAsync().GetAwaiter().GetResult(), expected, "The Channels pipeline");
    }

    [Benchmark(Baseline = true)]
    public double PlainLoop() => Baselines.PlainLoop(_records, 1);

    [Benchmark]
    public Task<double> ChannelsPipelineAsync() => Baselines.ChannelsAsync(_records, 1, ChunkSize);

    [Benchmark]
    public async Task<double> BatchKitAsync()
    {
        _sink.Reset();
        await BenchJobs.RunAsync(_runner);
        return _sink.Sum;
    }
}
