using System.Globalization;
using BatchKit;
using BatchKit.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace NightlyAnalytics;

/// <summary>
/// <c>serve</c>: a long-running host with the BatchKit scheduler (BatchKit.Hosting) running the nightly job on a cron
/// schedule, the dashboard at <c>/batchkit</c> and the health checks at <c>/health</c>.
/// </summary>
internal static class ServeCommand
{
    /// <summary>The default schedule: 02:30 UTC every day (six fields: seconds first).</summary>
    public const string DefaultSchedule = "0 30 2 * * *";

    public static async Task<int> RunAsync(Dictionary<string, string> options)
    {
        var schedule = options.GetValueOrDefault("schedule", DefaultSchedule);
        try
        {
            JobSchedule.Parse(schedule, "UTC");
        }
        catch (FormatException e)
        {
            throw new UsageException($"--schedule: {e.Message}");
        }

        var dateText = options.GetValueOrDefault("date");
        var date = NightlyJob.DefaultDate;
        if (dateText is not null && !DateOnly.TryParseExact(dateText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date))
        {
            throw new UsageException($"--date expects yyyy-MM-dd, found '{dateText}'.");
        }

        var parallelism = (int)CommandLine.Count(options, "parallelism", Environment.ProcessorCount);
        if (parallelism < 1)
        {
            throw new UsageException($"--parallelism must be at least 1, found {parallelism}.");
        }

        var settings = new NightlyJobSettings
        {
            InputDirectory = CommandLine.Required(options, "input"),
            WarehousePath = CommandLine.Required(options, "warehouse"),
            StatePath = CommandLine.Required(options, "state"),
            Date = date,
            Parallelism = parallelism,
        };
        if (settings.InputIsS3)
        {
            Console.Error.WriteLine($"error: serve reads a local folder; an S3 input ('{settings.InputDirectory}') is for 'run' and 'worker'.");
            return 1;
        }

        if (!Directory.Exists(settings.InputDirectory))
        {
            Console.Error.WriteLine($"error: the input folder '{settings.InputDirectory}' does not exist; create it with the 'generate' command.");
            return 1;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(settings.WarehousePath))!);
        var urls = options.GetValueOrDefault("urls", "http://127.0.0.1:5080");

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(urls);
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Services.AddBatchKit(b => b
            .AddJob(
                NightlyJob.JobName,
                sp => NightlyJob.Build(settings, sp.GetRequiredService<ICheckpointStore>(), sp.GetRequiredService<ILoggerFactory>()),
                s =>
                {
                    s.Cron = schedule;
                    s.Description = "Parquet events to daily aggregates in DuckDB";
                    s.Input = Path.GetFullPath(settings.InputDirectory);
                    s.Output = Path.GetFullPath(settings.WarehousePath);
                },

                // The job's definition is for one business date (--date): every firing opens that date's run, which
                // does the work once and afterwards only finds it completed.
                _ => NightlyJob.Parameters(settings.Date))
            .UseSqliteStore(Path.GetFullPath(settings.ResolvedStatePath)));
        builder.Services.AddHealthChecks().AddBatchKitChecks();
        await using var app = builder.Build();
        app.MapBatchKitDashboard("/batchkit");
        app.MapHealthChecks("/health");
        await app.StartAsync();
        foreach (var address in app.Urls)
        {
            Console.WriteLine($"serving: dashboard {address.TrimEnd('/')}/batchkit health {address.TrimEnd('/')}/health schedule='{schedule}' date={settings.Date:yyyy-MM-dd} state={Path.GetFullPath(settings.ResolvedStatePath)}");
        }

        await app.WaitForShutdownAsync();
        return 0;
    }
}
