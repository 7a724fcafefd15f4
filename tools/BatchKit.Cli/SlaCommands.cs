using System.Globalization;
using Spectre.Console;
using static BatchKit.Cli.CliContext;

namespace BatchKit.Cli;

/// <summary>sla, trend.</summary>
internal static class SlaCommands
{
    public static async Task SlaAsync(CliContext context, string job, TimeSpan window, CancellationToken cancellationToken)
    {
        var lastRuns = await context.History.ListRunsAsync(job, 1, cancellationToken).ConfigureAwait(false);
        var last = (lastRuns.Count > 0 ? lastRuns[0] : null)
            ?? throw new CliException(ExitCodes.NotFound, $"No run of the job '{job}' is in the store.");
        var availability = await context.History.AvailabilityAsync(job, window, DateTimeOffset.UtcNow, cancellationToken).ConfigureAwait(false);
        if (context.Json)
        {
            context.WriteJson(new { job, lastRun = new { last.RunKey, last.Parameters, last.Status, last.StartedAt, last.EndedAt }, results = last.SlaResults, availability });
            return;
        }

        context.WriteLine($"Job {job}, last run {Short(last.RunKey)} ({last.Parameters}): {last.Status}, ended {Time(last.EndedAt)}");
        if (last.SlaResults.Count == 0)
        {
            context.WriteLine("No SLA results recorded for it (configure objectives with WithSla on the job's builder).");
        }
        else
        {
            context.Console.Write(ResultsTable(last.SlaResults));
        }

        context.WriteLine(availability.Availability is { } share
            ? $"Availability over the last {window.TotalDays.ToString("0.##", CultureInfo.InvariantCulture)} day(s): {(share * 100).ToString("0.##", CultureInfo.InvariantCulture)}% ({availability.Completed} of {availability.Runs} run(s) completed)"
            : $"Availability over the last {window.TotalDays.ToString("0.##", CultureInfo.InvariantCulture)} day(s): no runs started in the window");
    }

    public static async Task TrendAsync(CliContext context, string job, int last, CancellationToken cancellationToken)
    {
        if (last <= 0)
        {
            throw new CliException(ExitCodes.Usage, "--last must be 1 or more.");
        }

        var points = await context.History.DurationTrendAsync(job, last, cancellationToken).ConfigureAwait(false);
        if (context.Json)
        {
            context.WriteJson(points.Select(p => new { p.RunKey, p.Parameters, p.StartedAt, p.Status, durationSeconds = p.Duration.TotalSeconds, p.RecordsRead, p.RecordsPerSecond }));
            return;
        }

        if (points.Count == 0)
        {
            throw new CliException(ExitCodes.NotFound, $"No ended run of the job '{job}' is in the store.");
        }

        var chart = new BarChart().Label($"{job}: duration of the last {points.Count} run(s), seconds").Width(100);
        foreach (var point in points)
        {
            var color = point.Status == RunStatus.Completed ? Color.Green : Color.Red;
            chart.AddItem($"{Time(point.StartedAt)} {Markup.Escape(point.Parameters)}", Math.Round(point.Duration.TotalSeconds, 3), color);
        }

        context.Console.Write(chart);
        var seconds = points.Select(p => p.Duration.TotalSeconds).ToList();
        context.WriteLine(string.Create(CultureInfo.InvariantCulture, $"min {seconds.Min():0.###}s, mean {seconds.Average():0.###}s, max {seconds.Max():0.###}s, last {seconds[^1]:0.###}s; {points[^1].RecordsPerSecond:0} records/s in the last run"));
    }

    internal static Table ResultsTable(IReadOnlyList<SlaResult> results)
    {
        var table = new Table().AddColumns("Objective", "Target", "Actual", "Met", "Gate", "Detail");
        foreach (var r in results)
        {
            table.AddRow(
                new Text(r.Objective), new Text(r.Target.ToString("0.######", CultureInfo.InvariantCulture)),
                new Text(r.Actual?.ToString("0.######", CultureInfo.InvariantCulture) ?? "-"),
                new Markup(r.Passed ? "[green]yes[/]" : "[red]no[/]"), new Text(r.IsGate ? "gate" : "alert"), new Text(r.Detail));
        }

        return table;
    }
}
