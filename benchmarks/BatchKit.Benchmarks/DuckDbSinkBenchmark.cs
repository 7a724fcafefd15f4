using System.Globalization;
using BatchKit.Benchmarks.Support;
using BatchKit.DuckDb;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using DuckDB.NET.Data;

namespace BatchKit.Benchmarks;

/// <summary>
/// DuckDB sink load throughput: N rows (BIGINT, BIGINT, INTEGER, DOUBLE, DATE; primary key id) written in chunks of
/// 10,000 through <see cref="DuckDbSink{T}"/> with Upsert and with ReplacePartition, into an empty table and over the
/// same rows already loaded, against a plain DuckDB appender into the same table. Every iteration gets a fresh DuckDB
/// file with the table created (and, for the "existing rows" cases, loaded) before the clock starts.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(PerRecordConfig))]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class DuckDbSinkBenchmark
{
    private const int ChunkSize = 10_000;
    private const string Table = "load_target";
    private static readonly RunKey RunKey = new("duckdb-benchmark", RunParameters.Empty);
    private static readonly Partition Partition = new(0, "all", "all");

    private readonly DuckDbTableMapping<LoadRow> _mapping = new DuckDbTableMapping<LoadRow>(Table).HasKey(x => x.Id);
    private TempDirectory? _directory;
    private LoadRow[] _rows = [];
    private DuckDBConnection? _holder;
    private string _connectionString = string.Empty;
    private int _iteration;

    [Params(200_000)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = new TempDirectory("batchkit-duckdb-bench");
        _rows = Enumerable.Range(0, N)
            .Select(i => new LoadRow(i, i % 50_000, i % 8, i * 0.5, new DateOnly(2024, 1, 1).AddDays(i % 30)))
            .ToArray();
    }

    [GlobalCleanup]
    public void Cleanup() => _directory?.Dispose();

    [IterationSetup(Targets = [nameof(PlainAppender), nameof(UpsertEmptyTargetAsync), nameof(ReplacePartitionEmptyTargetAsync)])]
    public void FreshDatabase() => OpenFreshDatabase();

    [IterationSetup(Targets = [nameof(UpsertExistingRowsAsync), nameof(ReplacePartitionExistingRowsAsync)])]
    public void LoadedDatabase()
    {
        OpenFreshDatabase();
        PlainAppender();
    }

    [IterationCleanup]
    public void CloseDatabase()
    {
        var loaded = Count();
        _holder?.Dispose();
        _holder = null;
        if (loaded != N)
        {
            throw new InvalidOperationException($"The table holds {loaded} rows after the load, expected {N}.");
        }

        foreach (var file in Directory.EnumerateFiles(_directory!.Path))
        {
            File.Delete(file);
        }
    }

    [Benchmark(Baseline = true)]
    public void PlainAppender()
    {
        using var connection = new DuckDBConnection(_connectionString);
        connection.Open();
        for (var start = 0; start < _rows.Length; start += ChunkSize)
        {
            using var appender = connection.CreateAppender(Table);
            var end = Math.Min(_rows.Length, start + ChunkSize);
            for (var i = start; i < end; i++)
            {
                var r = _rows[i];
                appender.CreateRow().AppendValue(r.Id).AppendValue(r.UserId).AppendValue(r.Bucket).AppendValue(r.Value).AppendValue((DateOnly?)r.Day).EndRow();
            }
        }
    }

    [Benchmark]
    public Task UpsertEmptyTargetAsync() => LoadAsync(WriteDisposition.Upsert);

    [Benchmark]
    public Task UpsertExistingRowsAsync() => LoadAsync(WriteDisposition.Upsert);

    [Benchmark]
    public Task ReplacePartitionEmptyTargetAsync() => LoadAsync(WriteDisposition.ReplacePartition);

    [Benchmark]
    public Task ReplacePartitionExistingRowsAsync() => LoadAsync(WriteDisposition.ReplacePartition);

    private async Task LoadAsync(WriteDisposition disposition)
    {
        var sink = new DuckDbSink<LoadRow>(_mapping, new DuckDbSinkOptions
        {
            ConnectionString = _connectionString,
            Disposition = disposition,
            Slice = _ => DuckDbSlice.Where("true"),
        });
        await using var writer = await sink.OpenAsync(new SinkContext(RunKey, Partition, null), CancellationToken.None);
        for (var start = 0; start < _rows.Length; start += ChunkSize)
        {
            await writer.WriteAsync(_rows.AsMemory(start, Math.Min(ChunkSize, _rows.Length - start)), CancellationToken.None);
            await writer.CommitAsync(CancellationToken.None);
        }

        await writer.CompleteAsync(CancellationToken.None);
    }

    /// <summary>Creates a new database file with the empty table and keeps a connection to it open, so the measured load does not pay for starting the database.</summary>
    private void OpenFreshDatabase()
    {
        var path = _directory!.File("load-" + (++_iteration).ToString(CultureInfo.InvariantCulture) + ".duckdb");
        _connectionString = "Data Source=" + path;
        _holder = new DuckDBConnection(_connectionString);
        _holder.Open();
        using var command = _holder.CreateCommand();
        command.CommandText = _mapping.ToCreateTableSql();
        command.ExecuteNonQuery();
    }

    private long Count()
    {
        using var command = _holder!.CreateCommand();
        command.CommandText = "SELECT count(*) FROM " + Table;
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>A row of the load: five columns, key <see cref="Id"/>.</summary>
    public sealed record LoadRow(long Id, long UserId, int Bucket, double Value, DateOnly Day);
}
