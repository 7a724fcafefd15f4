using System.Diagnostics;
using System.Globalization;
using BatchKit;
using BatchKit.Postgres;

namespace PostgresScaleOut;

/// <summary>
/// (d) 1, 2 and 3 worker processes (<see cref="JobRunner.RunWorkerAsync"/>) sharing one run over a PostgreSQL ledger, on
/// a CPU-bound job (a multiply-add chain per record, into a summing sink): wall time from the first process start to
/// the last exit, and throughput relative to one worker. Every round is a new run (its own schema).
/// </summary>
internal static class Processes
{
    private const int Partitions = 24;

    public static async Task<bool> RunAsync(int[] workerCounts, int records, int work, int rounds)
    {
        await using var db = await Bench.CreateDatabaseAsync("bk_bench_proc");
        Console.WriteLine($"(d) {records:N0} records, {work:N0} multiply-adds each, {Partitions} partitions, chunks of 1,000; {rounds} rounds; wall s includes process start");
        Bench.Header("worker processes", "median wall s", "each round s", "records/s", "vs 1 worker");
        double? single = null;
        var ok = true;
        foreach (var workers in workerCounts)
        {
            var walls = new List<double>();
            for (var round = 0; round < rounds; round++)
            {
                var schema = $"proc_{workers}_{round}";
                var started = Stopwatch.GetTimestamp();
                var processes = Enumerable.Range(0, workers).Select(i => Start(db.ConnectionString, schema, records, work, i, workers)).ToList();
                foreach (var process in processes)
                {
                    await process.WaitForExitAsync();
                }

                walls.Add(Bench.Seconds(started));
                foreach (var process in processes)
                {
                    if (process.ExitCode != 0)
                    {
                        Console.Error.WriteLine($"a worker of {workers} exited with {process.ExitCode}: {await process.StandardError.ReadToEndAsync()}");
                        ok = false;
                    }

                    process.Dispose();
                }

                var unfinished = await db.ScalarAsync($"SELECT count(*) FROM {schema}.partition_states WHERE status <> 'Completed'");
                var read = await db.ScalarAsync($"SELECT coalesce(sum(records_read), 0) FROM {schema}.checkpoints");
                if (unfinished != 0 || read != records)
                {
                    Console.Error.WriteLine($"{workers} workers: {unfinished} partitions not completed, {read} of {records} records checkpointed");
                    ok = false;
                }
            }

            var median = Bench.Median(walls);
            single ??= median;
            Bench.Row(workers, Bench.F(median, 2), string.Join(" ", walls.Select(w => Bench.F(w, 2))), Bench.F(records / median, 0), Bench.F(single.Value / median, 2) + "x");
        }

        return ok;
    }

    /// <summary>One worker process: joins the run and works on its share, then steals.</summary>
    public static async Task<bool> WorkerAsync(Dictionary<string, string> options)
    {
        var records = int.Parse(options["records"], CultureInfo.InvariantCulture);
        var work = int.Parse(options["work"], CultureInfo.InvariantCulture);
        await using var store = new PostgresCheckpointStore(new PostgresCheckpointStoreOptions { ConnectionString = options["db"], Schema = options["schema"] });
        var input = Enumerable.Range(0, records).Select(i => new Row(i, string.Empty, 0)).ToArray();
        double sum = 0;
        var job = Job.Create("cpu-bound")
            .ReadFrom(EnumerableSource<Row>.FromList(input))
            .PartitionBy(Partitioners.RowRanges(records, records / Partitions))
            .Select(r => r with { Value = Burn(r.Id, work) })
            .WriteTo(new DelegateSink<Row>(chunk =>
            {
                var s = 0.0;
                foreach (var r in chunk.Span)
                {
                    s += r.Value;
                }

                lock (input)
                {
                    sum += s;
                }
            }))
            .WithParallelism(2)
            .WithCommitInterval(1000)
            .UseCheckpointStore(store)
            .Build();
        var worker = new WorkerOptions { WorkerCount = int.Parse(options["count"], CultureInfo.InvariantCulture), WorkerIndex = int.Parse(options["index"], CultureInfo.InvariantCulture) };
        var result = await new JobRunner(job).RunWorkerAsync(RunParameters.Of("schema", options["schema"]), worker, default);
        Console.WriteLine($"status={result.Status} processed={result.PartitionsProcessed} sum={sum}");
        if (result.Exception is not null)
        {
            Console.Error.WriteLine(result.Exception);
        }

        return result.Succeeded;
    }

    private static double Burn(long id, int work)
    {
        var x = (double)id;
        for (var i = 0; i < work; i++)
        {
            x = (x * 1.0000001) + 0.5;
        }

        return x;
    }

    private static Process Start(string connectionString, string schema, int records, int work, int index, int count)
    {
        var self = Environment.ProcessPath!;
        var info = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            info.ArgumentList.Add(typeof(Processes).Assembly.Location);
        }

        foreach (var arg in new[] { "worker", "--db", connectionString, "--schema", schema, "--records", records.ToString(CultureInfo.InvariantCulture), "--work", work.ToString(CultureInfo.InvariantCulture), "--index", index.ToString(CultureInfo.InvariantCulture), "--count", count.ToString(CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info)!;
        _ = process.StandardOutput.ReadToEndAsync(); // drained so a full pipe never blocks the worker
        return process;
    }
}
