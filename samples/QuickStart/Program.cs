// BatchKit QuickStart: a partitioned job over generated orders, with a SQLite state file and no server.
// Run it twice: the second run finds the RunKey completed and does nothing.
using System.Globalization;
using System.Text.Json;
using BatchKit;

var home = Path.Combine(Environment.CurrentDirectory, "batchkit-quickstart"); // state, input and output, under the current folder
var input = Path.Combine(home, "input");
var output = Path.Combine(home, "output");
var businessDate = new DateOnly(2026, 11, 22);
OrderGenerator.EnsureInput(input, files: 8, ordersPerFile: 25_000, seed: 42);

await using var store = new SqliteCheckpointStore(Path.Combine(home, "state.db"));
var job = Job.Create("quickstart-orders")
    .ReadFrom(new JsonLinesSource<Order>())
    .PartitionBy(Partitioners.Files(input, "*.jsonl"))
    .Validate(o => o.Amount > 0 ? null : $"amount must be positive, found {o.Amount}")
    .Validate(o => string.IsNullOrWhiteSpace(o.Customer) ? "customer is missing" : null)
    .Select(o => new InvoiceLine(o.Id, o.Customer, o.Amount, Math.Round(o.Amount * 0.2m, 2)))
    .WriteTo(new JsonLinesSink<InvoiceLine>(output))
    .WithParallelism(Environment.ProcessorCount)
    .WithCommitInterval(1000)
    .UseCheckpointStore(store)
    .Build();

using var shutdown = new GracefulShutdown();
RunResult result;
try
{
    result = await new JobRunner(job).RunAsync(RunParameters.Of("date", businessDate), shutdown.Token);
}
catch (OperationCanceledException) when (shutdown.IsRequested)
{
    Console.WriteLine("Stopped at a chunk boundary; run again to resume.");
    return GracefulShutdown.ResumableExitCode;
}

Console.WriteLine(result.WasAlreadyCompleted
    ? $"Run {result.RunKey} already completed: nothing to do (delete {home} to start over)."
    : $"Run {result.RunKey} {result.Status}.");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"partitions={result.Partitions} records_in={result.RecordsRead} records_out={result.RecordsWritten} errors={result.Errors} elapsed_s={result.Elapsed.TotalSeconds:F2}"));
Console.WriteLine($"output: {output}   state: {Path.Combine(home, "state.db")}");
return result.Succeeded ? 0 : 1;

/// <summary>An input order.</summary>
internal sealed record Order(long Id, string Customer, decimal Amount);

/// <summary>An output line: the order with its tax.</summary>
internal sealed record InvoiceLine(long OrderId, string Customer, decimal Amount, decimal Tax);

/// <summary>Writes deterministic orders, a few of them invalid, unless the input already exists.</summary>
internal static class OrderGenerator
{
    public static void EnsureInput(string directory, int files, int ordersPerFile, int seed)
    {
        if (Directory.Exists(directory) && Directory.GetFiles(directory, "*.jsonl").Length == files)
        {
            return;
        }

        Directory.CreateDirectory(directory);
        var random = new Random(seed);
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        var id = 0L;
        for (var f = 0; f < files; f++)
        {
            var path = Path.Combine(directory, $"orders-{f:D2}.jsonl");
            using var writer = new StreamWriter(path + ".tmp");
            for (var i = 0; i < ordersPerFile; i++)
            {
                var invalid = random.Next(200) == 0;
                var amount = invalid ? -1m : Math.Round((decimal)(random.NextDouble() * 500), 2) + 0.01m;
                writer.WriteLine(JsonSerializer.Serialize(new Order(++id, $"customer-{random.Next(5000):D4}", amount), options));
            }

            writer.Close();
            File.Move(path + ".tmp", path, overwrite: true);
        }
    }
}
