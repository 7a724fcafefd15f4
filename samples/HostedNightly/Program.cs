// A BatchKit job on a cron schedule, run by the .NET Generic Host. No server and no arguments needed:
//   dotnet run --project samples/HostedNightly
// Configuration comes from the usual places (appsettings.json, environment variables BatchKit__..., the command line):
//   dotnet run --project samples/HostedNightly -- --BatchKit:Jobs:hosted-nightly:Cron="0 30 2 * * *"
using System.Text.Json;
using BatchKit;
using BatchKit.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

var root = Path.Combine(Environment.CurrentDirectory, "batchkit-hosted");
var input = Path.Combine(root, "input");
OrderFiles.EnsureGenerated(input, files: 4, perFile: 25_000);

var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddBatchKit(b => b
    .AddJob(
        "hosted-nightly",
        (sp, job) => job
            .ReadFrom(new JsonLinesSource<Order>())
            .PartitionBy(Partitioners.Files(input, "*.jsonl"))
            .Validate(o => o.Amount > 0 ? null : $"amount must be positive, found {o.Amount}")
            .Select(o => new OrderTotal(o.Id, o.Amount * 1.2m))
            .WriteTo(new JsonLinesSink<OrderTotal>(Path.Combine(root, "output")))
            .WithCommitInterval(1_000),
        s =>
        {
            // Every 10 seconds, so the sample shows a run at once; a nightly job says "0 30 2 * * *".
            s.Cron = "*/10 * * * * *";
            s.TimeZone = "Europe/Berlin";
            s.Misfire = MisfirePolicy.RunOnce;
            s.Input = input + "/*.jsonl";
            s.Output = "batchkit-hosted/output/date=<business date>/";
            s.Sla = TimeSpan.FromMinutes(5);
        })
    .UseSqliteStore(Path.Combine(root, "state.db")));
builder.Services.AddHealthChecks().AddBatchKitChecks();

using var host = builder.Build();
await host.StartAsync();
foreach (var job in await host.Services.GetRequiredService<IBatchJobInventory>().GetJobsAsync(CancellationToken.None))
{
    Console.WriteLine($"{job.Name}: '{job.Cron}' in {job.TimeZone}, next run {job.NextRun:O}, last run {job.LastRun?.Status.ToString() ?? "none"}");
}

var health = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
Console.WriteLine($"health: {health.Status} ({string.Join("; ", health.Entries.Select(e => $"{e.Key}: {e.Value.Description}"))})");
Console.WriteLine("Press Ctrl+C to stop: a running job stops at its next chunk boundary and resumes at the next start.");
await host.WaitForShutdownAsync();

/// <summary>An order, the job's input record.</summary>
internal sealed record Order(long Id, string Customer, decimal Amount);

/// <summary>The job's output record.</summary>
internal sealed record OrderTotal(long Id, decimal Total);

/// <summary>Writes the sample's input once: deterministic orders, about 1% with a non-positive amount.</summary>
internal static class OrderFiles
{
    public static void EnsureGenerated(string directory, int files, int perFile)
    {
        if (Directory.Exists(directory) && Directory.GetFiles(directory, "*.jsonl").Length == files)
        {
            return;
        }

        Directory.CreateDirectory(directory);
        var random = new Random(42);
        var id = 0L;
        for (var f = 0; f < files; f++)
        {
            var path = Path.Combine(directory, $"orders-{f:D2}.jsonl");
            using var writer = new StreamWriter(path + ".tmp");
            for (var i = 0; i < perFile; i++)
            {
                id++;
                var amount = random.Next(100) == 0 ? -1m : Math.Round((decimal)(random.NextDouble() * 500), 2);
                writer.WriteLine(JsonSerializer.Serialize(new Order(id, "customer-" + (id % 977), amount), JsonSerializerOptions.Web));
            }

            writer.Close();
            File.Move(path + ".tmp", path, overwrite: true);
        }
    }
}
