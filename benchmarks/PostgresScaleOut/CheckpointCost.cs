using System.Diagnostics;
using BatchKit;
using BatchKit.Postgres;
using Npgsql;

namespace PostgresScaleOut;

/// <summary>
/// (a) What a checkpoint costs per chunk: <see cref="ICheckpointStore.CommitChunkAsync"/> on PostgreSQL vs SQLite (one
/// leased partition, one call per chunk, sequential as a partition's checkpoints are); and a PostgreSQL sink chunk of
/// 1,000 rows committed then checkpointed in a second transaction vs with its checkpoint in one transaction.
/// </summary>
internal static class CheckpointCost
{
    public static async Task<bool> RunAsync(int chunks, int rounds)
    {
        await using var db = await Bench.CreateDatabaseAsync("bk_bench_ckpt");
        await using var dataSource = NpgsqlDataSource.Create(db.ConnectionString);
        var folder = Directory.CreateTempSubdirectory("bk-bench-ckpt-");
        try
        {
            Console.WriteLine($"(a) checkpoint per chunk: {chunks} chunks per round, {rounds} rounds; µs per chunk, median of the rounds (p50 / p99 of single calls over all rounds)");
            Bench.Header("store", "µs per checkpoint", "p50 µs", "p99 µs");
            for (var kind = 0; kind < 2; kind++)
            {
                var perRound = new List<double>();
                var calls = new List<double>();
                for (var round = 0; round < rounds; round++)
                {
                    await using ICheckpointStore store = kind == 0
                        ? new PostgresCheckpointStore(new PostgresCheckpointStoreOptions { DataSource = dataSource, Schema = "ckpt_" + round })
                        : new SqliteCheckpointStore(Path.Combine(folder.FullName, $"state-{round}.db"));
                    var lease = await LeaseAsync(store, "round-" + round);
                    var started = Stopwatch.GetTimestamp();
                    for (var i = 1; i <= chunks; i++)
                    {
                        var call = Stopwatch.GetTimestamp();
                        await store.CommitChunkAsync(lease, Checkpoint(i, 1000), [], default);
                        calls.Add(Stopwatch.GetElapsedTime(call).TotalMicroseconds);
                    }

                    perRound.Add(Bench.Seconds(started) * 1e6 / chunks);
                }

                calls.Sort();
                Bench.Row(kind == 0 ? "PostgresCheckpointStore" : "SqliteCheckpointStore", Bench.F(Bench.Median(perRound)), Bench.F(Bench.Percentile(calls, 0.5)), Bench.F(Bench.Percentile(calls, 0.99)));
            }

            Console.WriteLine();
            var sinkChunks = Math.Max(5, chunks / 10);
            Console.WriteLine($"(a') PostgresSink Append, chunks of 1,000 rows, {sinkChunks} chunks per round, {rounds} rounds: ms per chunk, median of the rounds");
            Bench.Header("commit", "ms per chunk", "p50 ms", "p99 ms");
            foreach (var together in new[] { false, true })
            {
                var perRound = new List<double>();
                var calls = new List<double>();
                for (var round = 0; round < rounds; round++)
                {
                    await using var store = new PostgresCheckpointStore(new PostgresCheckpointStoreOptions { DataSource = dataSource, Schema = $"sink_{together}_{round}".ToLowerInvariant() });
                    var table = $"public.rows_{together}_{round}".ToLowerInvariant();
                    await using var sink = new PostgresSink<Row>(new PostgresTableMapping<Row>(table), new PostgresSinkOptions { DataSource = dataSource, Disposition = WriteDisposition.Append, CreateTable = true });
                    var lease = await LeaseAsync(store, "sink-" + round);
                    var context = new SinkContext(new RunKey("bench", RunParameters.Of("round", "sink-" + round)), new Partition(0, "p0", "x"), null) { Fence = new FencingToken(lease.Owner, lease.Epoch, _ => ValueTask.FromResult(true)) };
                    await using var writer = (ICheckpointingSinkWriter<Row>)await sink.OpenAsync(context, default);
                    var rows = Enumerable.Range(0, 1000).Select(i => new Row(i, "name-" + i, i * 0.5)).ToArray();
                    var started = Stopwatch.GetTimestamp();
                    for (var i = 1; i <= sinkChunks; i++)
                    {
                        var call = Stopwatch.GetTimestamp();
                        await writer.WriteAsync(rows, default);
                        if (together)
                        {
                            await writer.CommitAsync(new ChunkCheckpoint(store, lease, Checkpoint(i, 1000), []), default);
                        }
                        else
                        {
                            var position = await writer.CommitAsync(default);
                            await store.CommitChunkAsync(lease, Checkpoint(i, 1000) with { SinkPosition = position }, [], default);
                        }

                        calls.Add(Stopwatch.GetElapsedTime(call).TotalMilliseconds);
                    }

                    perRound.Add(Bench.Seconds(started) * 1e3 / sinkChunks);
                    var count = await db.ScalarAsync($"SELECT count(*) FROM {table}");
                    if (count != sinkChunks * 1000L)
                    {
                        Console.Error.WriteLine($"the sink wrote {count} rows, expected {sinkChunks * 1000L}");
                        return false;
                    }
                }

                calls.Sort();
                Bench.Row(together ? "chunk and checkpoint in one transaction" : "chunk, then checkpoint (two transactions)", Bench.F(Bench.Median(perRound), 2), Bench.F(Bench.Percentile(calls, 0.5), 2), Bench.F(Bench.Percentile(calls, 0.99), 2));
            }

            return true;
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    public static Checkpoint Checkpoint(int chunk, int size) =>
        new("p0", "sink", (long)chunk * size, (long)chunk * size, (long)chunk * size, 0, (long)chunk * size, DateTimeOffset.UtcNow);

    private static async Task<PartitionLease> LeaseAsync(ICheckpointStore store, string round)
    {
        var runKey = new RunKey("bench", RunParameters.Of("round", round));
        var (runLease, _) = await store.AcquireRunAsync(runKey, "bench", TimeSpan.FromMinutes(5), default);
        await store.SavePlanAsync(runLease, new PartitionPlan("fp", [new Partition(0, "p0", "x")]), default);
        return (await store.ClaimPartitionAsync(new PartitionClaim(runKey.Value, "bench", TimeSpan.FromMinutes(5)), default))!;
    }
}

/// <summary>A row of the sink measurements.</summary>
internal sealed record Row(long Id, string Name, double Value);
