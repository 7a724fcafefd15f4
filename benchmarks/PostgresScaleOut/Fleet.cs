using System.Collections.Concurrent;
using System.Diagnostics;
using BatchKit;
using BatchKit.Postgres;
using Npgsql;

namespace PostgresScaleOut;

/// <summary>
/// (b) A simulated fleet: W workers (each a store over a data source of one connection, as a worker process would
/// have) claim the partitions of one run, write checkpoints for each and complete it, until none is left. Measures
/// store writes per second and claim latency; checks, inside the measurement, that no partition was claimed twice
/// in one epoch (no lease expires here, so none is claimed twice at all), that every partition completed, and that
/// the server recorded no deadlock in the measurement's database.
/// </summary>
internal static class Fleet
{
    public static async Task<bool> RunAsync(int[] workerCounts, int partitions, int checkpointsPerPartition)
    {
        await using var db = await Bench.CreateDatabaseAsync("bk_bench_fleet");
        Console.WriteLine($"(b) fleet: one run of {partitions} partitions; each claim is followed by {checkpointsPerPartition} checkpoints and the Completed state (writes = claims + checkpoints + states)");
        Bench.Header("workers", "wall s", "writes/s", "claims/s", "claim p50 ms", "claim p99 ms", "double claims", "deadlocks");
        var ok = true;
        foreach (var workers in workerCounts)
        {
            var schema = "fleet_" + workers;
            var runKey = new RunKey("fleet", RunParameters.Of("workers", workers));
            await using (var planner = new PostgresCheckpointStore(new PostgresCheckpointStoreOptions { ConnectionString = db.ConnectionString, Schema = schema }))
            {
                var (runLease, _) = await planner.AcquireRunAsync(runKey, "planner", TimeSpan.FromMinutes(5), default);
                await planner.SavePlanAsync(runLease, new PartitionPlan("fp", Enumerable.Range(0, partitions).Select(i => new Partition(i, "p" + i, "x")).ToList()), default);
                await planner.SetRunStatusAsync(runLease, RunStatus.Running, null, release: true, default);
            }

            var deadlocksBefore = await db.ScalarAsync($"SELECT deadlocks FROM pg_stat_database WHERE datname = '{db.Name}'");
            var claims = new ConcurrentBag<(string Partition, long Epoch, string Owner)>();
            var latencies = new ConcurrentBag<double>();
            long writes = 0;
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            // A generous command timeout: on a loaded machine a claim can wait on the server's CPU for longer than Npgsql's 30 s.
            var builder = new NpgsqlConnectionStringBuilder(db.ConnectionString) { MaxPoolSize = 1, MinPoolSize = 1, CommandTimeout = 300 };
            var tasks = Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
            {
                await using var dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
                await using var store = new PostgresCheckpointStore(new PostgresCheckpointStoreOptions { DataSource = dataSource, Schema = schema });
                await store.MigrateAsync(default);
                var owner = "worker-" + w;
                await start.Task;
                while (true)
                {
                    var call = Stopwatch.GetTimestamp();
                    var lease = await store.ClaimPartitionAsync(new PartitionClaim(runKey.Value, owner, TimeSpan.FromMinutes(5)) { WorkerCount = workers, WorkerIndex = w }, default);
                    latencies.Add(Stopwatch.GetElapsedTime(call).TotalMilliseconds);
                    Interlocked.Increment(ref writes);
                    if (lease is null)
                    {
                        return;
                    }

                    claims.Add((lease.PartitionId, lease.Epoch, owner));
                    for (var c = 1; c <= checkpointsPerPartition; c++)
                    {
                        await store.CommitChunkAsync(lease, new Checkpoint(lease.PartitionId, "sink", c * 100, c * 100, c * 100, 0, c * 100, DateTimeOffset.UtcNow), [], default);
                        Interlocked.Increment(ref writes);
                    }

                    await store.SetPartitionStateAsync(lease, new PartitionState(lease.PartitionId, PartitionStatus.Completed, 1, null, DateTimeOffset.UtcNow), release: true, default);
                    Interlocked.Increment(ref writes);
                }
            })).ToArray();

            await Task.Delay(500); // the workers open their connections
            var started = Stopwatch.GetTimestamp();
            start.SetResult();
            var all = Task.WhenAll(tasks);
            if (await Task.WhenAny(all, Task.Delay(TimeSpan.FromMinutes(10))) != all)
            {
                Console.Error.WriteLine($"{workers} workers did not finish within 10 minutes: a deadlock or a stall");
                return false;
            }

            await all;
            var wall = Bench.Seconds(started);
            NpgsqlConnection.ClearAllPools();
            await Task.Delay(1500); // backends report their statistics when they exit, at most a second late
            var deadlocks = await db.ScalarAsync($"SELECT deadlocks FROM pg_stat_database WHERE datname = '{db.Name}'") - deadlocksBefore;
            var sameEpoch = claims.GroupBy(c => (c.Partition, c.Epoch)).Count(g => g.Count() > 1);
            var claimedTwice = claims.GroupBy(c => c.Partition).Count(g => g.Count() > 1);
            var completed = await db.ScalarAsync($"SELECT count(*) FROM {schema}.partition_states WHERE status = 'Completed' AND lease_owner IS NULL");
            var sorted = latencies.OrderBy(l => l).ToList();
            Bench.Row(workers, Bench.F(wall, 2), Bench.F(writes / wall, 0), Bench.F(claims.Count / wall, 0), Bench.F(Bench.Percentile(sorted, 0.5), 2), Bench.F(Bench.Percentile(sorted, 0.99), 2), sameEpoch + claimedTwice, deadlocks);
            if (sameEpoch > 0 || claimedTwice > 0 || claims.Count != partitions || completed != partitions || deadlocks > 0)
            {
                Console.Error.WriteLine($"{workers} workers: {claims.Count} claims of {partitions} partitions, {sameEpoch} claimed twice in one epoch, {claimedTwice} claimed twice, {completed} completed, {deadlocks} deadlocks");
                ok = false;
            }
        }

        return ok;
    }
}
