using BatchKit.Benchmarks.Support;
using BenchmarkDotNet.Attributes;

namespace BatchKit.Benchmarks;

/// <summary>
/// Partitioner throughput, in records/s. Hash partitioning: <see cref="HashPartitioner{T}.Route"/> alone on an integer key
/// and on a string key (FNV-1a over UTF-8), then a whole shuffled job (extract stage routes every record to a staging file,
/// then the hash partitions run from staging) with a binary and with the default JSON staging serializer. Range
/// partitioning is natural, with no per-record routing: its throughput is that of the job reading row ranges directly,
/// the same job and partition count as the shuffled one.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(PerRecordConfig))]
[SimpleJob(warmupCount: 2, iterationCount: 5)]
public class PartitionerBenchmark
{
    private const int TargetPartitions = 8;

    private TempDirectory? _staging;
    private Event[] _records = [];
    private string[] _keys = [];
    private int[] _counts = new int[TargetPartitions];
    private HashPartitioner<Event> _byInt64 = null!;
    private HashPartitioner<string> _byString = null!;
    private SumSink _sink = new();
    private JobRunner _natural = null!;
    private JobRunner _shuffledBinary = null!;
    private JobRunner _shuffledJson = null!;
    private JobRunner _shuffledCompiled = null!;

    [Params(1_000_000)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _staging = new TempDirectory("batchkit-partitioner-bench");
        _records = Event.Generate(N);
        _keys = _records.Select(e => "user-" + e.UserId.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        _byInt64 = HashPartitioner<Event>.ByInt64(TargetPartitions, e => e.UserId);
        _byString = HashPartitioner<string>.ByString(TargetPartitions, k => k);
        _sink = new SumSink();
        var parallelism = Environment.ProcessorCount;
        _natural = new JobRunner(Job.Create("partitioner-natural")
            .ReadFrom(new ArraySource<Event>(_records))
            .PartitionBy(Partitioners.RowRanges(N, (N + TargetPartitions - 1) / TargetPartitions))
            .Select(e => Event.Score(e))
            .WriteTo(_sink)
            .UseCheckpointStore(new InMemoryCheckpointStore())
            .WithParallelism(parallelism)
            .Build());
        _shuffledBinary = Shuffled("partitioner-shuffled-binary", new EventStagingSerializer(), parallelism);
        _shuffledJson = Shuffled("partitioner-shuffled-json", new JsonStagingSerializer<Event>(), parallelism);
        _shuffledCompiled = Shuffled("partitioner-shuffled-compiled", null, parallelism); // the default: BinaryStagingSerializer<Event>

        var expected = Baselines.SumRange(_records, 0, N);
        BenchJobs.Check(NaturalRowRangesJobAsync().GetAwaiter().GetResult(), expected, "The row-range job");
        BenchJobs.Check(ShuffledHashJobBinaryAsync().GetAwaiter().GetResult(), expected, "The shuffled job (binary)");
        BenchJobs.Check(ShuffledHashJobJsonAsync().GetAwaiter().GetResult(), expected, "The shuffled job (JSON)");
        BenchJobs.Check(ShuffledHashJobCompiledAsync().GetAwaiter().GetResult(), expected, "The shuffled job (compiled binary)");
    }

    [GlobalCleanup]
    public void Cleanup() => _staging?.Dispose();

    [Benchmark]
    public int RouteHashInt64()
    {
        var counts = _counts;
        Array.Clear(counts);
        foreach (var record in _records)
        {
            counts[_byInt64.Route(record)]++;
        }

        return counts[0];
    }

    [Benchmark]
    public int RouteHashString()
    {
        var counts = _counts;
        Array.Clear(counts);
        foreach (var key in _keys)
        {
            counts[_byString.Route(key)]++;
        }

        return counts[0];
    }

    [Benchmark]
    public Task<double> NaturalRowRangesJobAsync() => RunAsync(_natural);

    [Benchmark]
    public Task<double> ShuffledHashJobBinaryAsync() => RunAsync(_shuffledBinary);

    [Benchmark]
    public Task<double> ShuffledHashJobJsonAsync() => RunAsync(_shuffledJson);

    [Benchmark]
    public Task<double> ShuffledHashJobCompiledAsync() => RunAsync(_shuffledCompiled);

    private JobRunner Shuffled(string name, IStagingSerializer<Event>? serializer, int parallelism) => new(Job.Create(name)
        .ReadFrom(new ArraySource<Event>(_records))
        .PartitionBy(Partitioners.RowRanges(N, (N + parallelism - 1) / parallelism))
        .ShuffleBy(_byInt64, serializer)
        .Select(e => Event.Score(e))
        .WriteTo(_sink)
        .UseCheckpointStore(new InMemoryCheckpointStore())
        .WithParallelism(parallelism)
        .Configure(o => o.StagingDirectory = _staging!.Path)
        .Build());

    private async Task<double> RunAsync(JobRunner runner)
    {
        _sink.Reset();
        await BenchJobs.RunAsync(runner);
        return _sink.Sum;
    }

    private sealed class EventStagingSerializer : IStagingSerializer<Event>
    {
        public void Write(BinaryWriter writer, Event record)
        {
            writer.Write(record.Id);
            writer.Write(record.UserId);
            writer.Write(record.Amount);
        }

        public Event Read(BinaryReader reader) => new(reader.ReadInt64(), reader.ReadInt64(), reader.ReadDouble());
    }
}
