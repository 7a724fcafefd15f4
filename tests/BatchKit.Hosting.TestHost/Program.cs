// A Generic Host app for BatchKit.Hosting's process tests: one JSON Lines job on a cron schedule, run by the hosted
// scheduler. Settings come from the command line as configuration keys, for example
//   --BatchKit:StatePath=state.db --BatchKit:Jobs:hosted-copy:Cron="*/2 * * * * *" --input=in --output=out
// --slow-ms=N sleeps N ms every 100 records; --per-occurrence=true makes the RunKey the occurrence instant instead of
// the business date. The host prints "host started" once it runs.
using System.Globalization;
using BatchKit;
using BatchKit.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

var builder = Host.CreateApplicationBuilder(args);
var config = builder.Configuration;
var slowMs = config.GetValue("slow-ms", 0);
var perOccurrence = config.GetValue("per-occurrence", false);
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information);
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(config.GetValue("shutdown-s", 30)));
builder.Services.AddBatchKit(b => b
    .AddJob(
        "hosted-copy",
        (sp, job) => job
            .ReadFrom(new JsonLinesSource<Item>())
            .PartitionBy(Partitioners.Files(config["input"]!, "*.jsonl"))
            .Select(i =>
            {
                if (slowMs > 0 && i.Id % 100 == 0)
                {
                    Thread.Sleep(slowMs);
                }

                return new Doubled(i.Id, i.Name, i.Value * 2);
            })
            .WriteTo(new JsonLinesSink<Doubled>(config["output"]!))
            .WithParallelism(2)
            .WithCommitInterval(50)
            .Configure(o => o.LeaseDuration = TimeSpan.FromSeconds(config.GetValue("lease-s", 30))),
        schedule: s => s.Misfire = MisfirePolicy.Skip,
        runParameters: perOccurrence
            ? o => RunParameters.Of("at", o.Time.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture))
            : null)
    .UseSqliteStore());
using var host = builder.Build();
host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(() => Console.WriteLine("host started"));
await host.RunAsync();
Console.WriteLine("host stopped");
return 0;

/// <summary>An input record.</summary>
internal sealed record Item(long Id, string Name, int Value);

/// <summary>An output record.</summary>
internal sealed record Doubled(long Id, string Name, int Value);
