using BatchKit.Benchmarks.Support;
using BenchmarkDotNet.Attributes;

namespace BatchKit.Benchmarks;

/// <summary>
/// Checkpoint cost: the executor benchmark's job (N records, one partition) with the SQLite checkpoint store in a temp
/// file, writing a checkpoint after every chunk of 1000 records, against the same job with one chunk per partition
/// (CommitInterval = N: one checkpoint, checkpoints effectively off) and against chunks of 1000 with the in-memory store
/// (same chunking, checkpoints almost free). <see cref="Work"/> adds a dependent multiply-add chain of that length to
/// the step, so the relative cost is seen both for a trivial step and for a step that does some work.
/// </summary>
/// <remarks>
/// CommitInterval = N also changes how the job runs (one 1M-record chunk: no overlap between source, step and sink, and
/// large arrays), so the cleanest measure of what the SQLite checkpoints add is SQLite every 1000 vs in-memory every 1000.
/// Store setup is not measured: each store is opened once in the global setup, and each invocation reprocesses the same
/// RunKey (which resets its state in the store).
/// </remarks>
[MemoryDiagnoser]
[Config(typeof(PerRecordConfig))]
[SimpleJob(warmupCount: 2, iterationCount: 5)]
public class CheckpointBenchmark
{
    private const int ChunkSize = 1000;

    private readonly List<ICheckpointStore> _stores = [];
    private TempDirectory? _directory;
    private Event[] _records = [];
    private SumSink _sink = new();
    private JobRunner _inMemory = null!;
    private JobRunner _sqliteEveryChunk = null!;
    private JobRunner _sqliteOneChunk = null!;

    [Params(1_000_000)]
    public int N { get; set; }

    /// <summary>Gets or sets the length of the multiply-add chain the step runs per record (0: the trivial step).</summary>
    [Params(0, 1000)]
    public int Work { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = new TempDirectory("batchkit-checkpoint-bench");
        _records = Event.Generate(N);
        _sink = new SumSink();
        var work = Work;
        Func<Event, double> step = e => Step(e, work);
        _inMemory = BenchJobs.Runner("checkpoint-inmemory", _records, 1, ChunkSize, _sink, Store(new InMemoryCheckpointStore()), step);
        _sqliteEveryChunk = BenchJobs.Runner("checkpoint-sqlite", _records, 1, ChunkSize, _sink, Store(new SqliteCheckpointStore(_directory.File("every-chunk.db"))), step);
        _sqliteOneChunk = BenchJobs.Runner("checkpoint-sqlite-one", _records, 1, N, _sink, Store(new SqliteCheckpointStore(_directory.File("one-chunk.db"))), step);

        var expected = InMemoryEveryChunkAsync().GetAwaiter().GetResult();
        BenchJobs.Check(SqliteEveryChunkAsync().GetAwaiter().GetResult(), expected, "SQLite, every chunk");
        BenchJobs.Check(SqliteOneChunkAsync().GetAwaiter().GetResult(), expected, "SQLite, one chunk");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var store in _stores)
        {
            store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        _directory?.Dispose();
    }

    [Benchmark(Baseline = true)]
    public Task<double> InMemoryEveryChunkAsync() => RunAsync(_inMemory);

    [Benchmark]
    public Task<double> SqliteEveryChunkAsync() => RunAsync(_sqliteEveryChunk);

    [Benchmark]
    public Task<double> SqliteOneChunkAsync() => RunAsync(_sqliteOneChunk);

    private static double Step(Event e, int work)
    {
        var x = (ulong)e.Id;
        for (var i = 0; i < work; i++)
        {
            x = (x * 6364136223846793005UL) + 1442695040888963407UL;
        }

        return Event.Score(e) + (x & 1);
    }

    private async Task<double> RunAsync(JobRunner runner)
    {
        _sink.Reset();
        await BenchJobs.RunAsync(runner);
        return _sink.Sum;
    }

    private ICheckpointStore Store(ICheckpointStore store)
    {
        _stores.Add(store);
        return store;
    }
}
