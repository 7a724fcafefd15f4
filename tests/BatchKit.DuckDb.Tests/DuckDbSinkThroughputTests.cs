using System.Diagnostics;
using DuckDB.NET.Data;
using Xunit.Abstractions;

namespace BatchKit.DuckDb.Tests;

/// <summary>
/// Measures loading 1M small rows through the sink against a plain appender. Runs only when
/// BATCHKIT_DUCKDB_BENCHMARK=1; it asserts row counts, never timings.
/// </summary>
public sealed class DuckDbSinkThroughputTests(ITestOutputHelper output)
{
    private const int Rows = 1_000_000;
    private const int Chunk = 10_000;

    public sealed record SmallRow(long Id, long UserId, int Bucket, double Value, DateOnly Day);

    [SkippableBenchmark]
    public async Task Load_OneMillionRows_ReportsRowsPerSecond()
    {
        var records = Enumerable.Range(0, Rows).Select(i => new SmallRow(i, i % 50_000, i % 8, i * 0.5, new DateOnly(2024, 1, 1).AddDays(i % 30))).ToArray();
        var mapping = new DuckDbTableMapping<SmallRow>("small").HasKey(x => x.Id);
        var run = new RunKey("bench", RunParameters.Empty);
        var partition = new Partition(0, "all", PartitionDescriptor.Hash(0, 1));

        using (var db = new TestDatabase())
        {
            db.Execute(mapping.ToCreateTableSql());
            var watch = Stopwatch.StartNew();
            using (var connection = new DuckDBConnection(db.ConnectionString))
            {
                connection.Open();
                foreach (var chunk in records.Chunk(Chunk))
                {
                    using var appender = connection.CreateAppender("small");
                    foreach (var r in chunk)
                    {
                        appender.CreateRow().AppendValue(r.Id).AppendValue(r.UserId).AppendValue(r.Bucket).AppendValue(r.Value).AppendValue((DateOnly?)r.Day).EndRow();
                    }
                }
            }

            Report("plain appender into table with primary key", watch.Elapsed);
            db.Count("SELECT count(*) FROM small").Should().Be(Rows);
        }

        using (var db = new TestDatabase())
        {
            var sink = new DuckDbSink<SmallRow>(mapping, new DuckDbSinkOptions { ConnectionString = db.ConnectionString });
            var watch = Stopwatch.StartNew();
            await Fixtures.RunPartitionAsync(sink, run, partition, records, Chunk);
            Report("sink Upsert, empty target (all inserts)", watch.Elapsed);
            watch.Restart();
            await Fixtures.RunPartitionAsync(sink, run, partition, records, Chunk);
            Report("sink Upsert, same rows again (all updates)", watch.Elapsed);
            db.Count("SELECT count(*) FROM small").Should().Be(Rows);
        }

        using (var db = new TestDatabase())
        {
            var sink = new DuckDbSink<SmallRow>(mapping, new DuckDbSinkOptions
            {
                ConnectionString = db.ConnectionString,
                Disposition = WriteDisposition.ReplacePartition,
                Slice = _ => DuckDbSlice.Where("true"),
            });
            var watch = Stopwatch.StartNew();
            await Fixtures.RunPartitionAsync(sink, run, partition, records, Chunk);
            Report("sink ReplacePartition, empty target", watch.Elapsed);
            watch.Restart();
            await Fixtures.RunPartitionAsync(sink, run, partition, records, Chunk);
            Report("sink ReplacePartition, replacing the same 1M rows", watch.Elapsed);
            db.Count("SELECT count(*) FROM small").Should().Be(Rows);
        }
    }

    private void Report(string what, TimeSpan elapsed) =>
        output.WriteLine($"{what}: {elapsed.TotalSeconds:F2} s, {Rows / elapsed.TotalSeconds:N0} rows/s");
}

/// <summary>A fact that runs only when BATCHKIT_DUCKDB_BENCHMARK=1.</summary>
internal sealed class SkippableBenchmarkAttribute : FactAttribute
{
    public SkippableBenchmarkAttribute()
    {
        if (Environment.GetEnvironmentVariable("BATCHKIT_DUCKDB_BENCHMARK") != "1")
        {
            Skip = "Benchmark: set BATCHKIT_DUCKDB_BENCHMARK=1 to run it.";
        }
    }
}
