// Measurements of BatchKit on PostgreSQL for many workers (see benchmarks/README.md): the checkpoint cost per chunk
// (PostgreSQL vs SQLite, and a chunk with its checkpoint in one transaction vs two), a simulated fleet of claimers over
// one ledger, the COPY sink vs a hand-written binary COPY and merge, and 1-3 worker processes on a CPU-bound job.
using PostgresScaleOut;

var mode = args.Length > 0 ? args[0] : "help";
var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 1; i + 1 < args.Length; i += 2)
{
    options[args[i].TrimStart('-')] = args[i + 1];
}

int Int(string name, int fallback) => options.TryGetValue(name, out var v) ? int.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : fallback;
if (options.TryGetValue("pg", out var pg))
{
    Bench.ConnectionString = pg;
}

Console.WriteLine($"load average before: {await Bench.LoadAsync()}; {Environment.ProcessorCount} cores");
var ok = mode switch
{
    "checkpoint" => await CheckpointCost.RunAsync(Int("chunks", 500), Int("rounds", 3)),
    "fleet" => await Fleet.RunAsync(options.TryGetValue("workers", out var w) ? w.Split(',').Select(int.Parse).ToArray() : [10, 50, 100], Int("partitions", 5000), Int("checkpoints", 2)),
    "copy" => await CopySink.RunAsync(Int("rows", 200_000), Int("chunk", 20_000), Int("rounds", 3)),
    "processes" => await Processes.RunAsync(options.TryGetValue("workers", out var p) ? p.Split(',').Select(int.Parse).ToArray() : [1, 2, 3], Int("records", 240_000), Int("work", 20_000), Int("rounds", 3)),
    "worker" => await Processes.WorkerAsync(options),
    "smoke" => await CheckpointCost.RunAsync(20, 1) && await Fleet.RunAsync([4], 200, 1) && await CopySink.RunAsync(20_000, 5_000, 1) && await Processes.RunAsync([1, 2], 4_000, 200, 1),
    _ => Usage(),
};
Console.WriteLine($"load average after: {await Bench.LoadAsync()}");
return ok ? 0 : 1;

static bool Usage()
{
    Console.Error.WriteLine("usage: PostgresScaleOut checkpoint|fleet|copy|processes|smoke [--pg CONNECTION] [--rounds N] ...");
    return false;
}
