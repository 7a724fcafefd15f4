using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace BatchKit;

/// <summary>
/// The live display of a run on a terminal: a header with the run's totals, rate and remaining time, and a row with a bar
/// per running partition (records read, records/s, remaining time, errors, in-doubt); once the run is settled the
/// display is cleared and a summary line stays.
/// </summary>
internal sealed class LiveProgress(IAnsiConsole console) : IProgress<RunProgress>
{
    private const int BarWidth = 24;
    private readonly ProgressEstimator _estimator = new(TimeSpan.FromSeconds(3));
    private readonly Lock _lock = new();
    private LiveDisplayContext? _context;
    private RunProgress? _final;

    public async Task<RunResult> RunAsync(Func<IProgress<RunProgress>, Task<RunResult>> run)
    {
        try
        {
            return await console.Live(new Markup("[grey]planning the run...[/]"))
                .AutoClear(true)
                .Overflow(VerticalOverflow.Ellipsis)
                .Cropping(VerticalOverflowCropping.Bottom)
                .StartAsync(async context =>
                {
                    lock (_lock)
                    {
                        _context = context;
                    }

                    return await run(this).ConfigureAwait(false);
                }).ConfigureAwait(false);
        }
        finally
        {
            lock (_lock)
            {
                _context = null;
            }

            if (_final is { } final)
            {
                var color = final.Status switch
                {
                    RunStatus.Completed => "green",
                    RunStatus.CompletedWithDoubts => "yellow",
                    _ => "red",
                };
                console.MarkupLine($"[{color}]{Markup.Escape(ProgressText.Final(final))}[/]");
            }
        }
    }

    public void Report(RunProgress value)
    {
        lock (_lock)
        {
            _estimator.Add(value);
            if (value.IsFinal)
            {
                _final = value;
            }

            if (_context is { } context)
            {
                context.UpdateTarget(Render(value));
                context.Refresh();
            }
        }
    }

    private Rows Render(RunProgress progress)
    {
        var header = string.Create(
            CultureInfo.InvariantCulture,
            $"[bold]{Markup.Escape(progress.RunKey.ToString())}[/]  {ProgressText.Time(progress.Elapsed)}  partitions [bold]{progress.CompletedPartitions}/{progress.Partitions.Count}[/] done, {progress.RunningPartitions} running{(progress.FailedPartitions > 0 ? $", [red]{progress.FailedPartitions} failed[/]" : string.Empty)}  read {progress.RecordsRead:N0}  {ProgressText.Rate(_estimator.RunRate)}/s  errors {Count(progress.Errors, "red")}  in-doubt {Count(progress.InDoubt, "yellow")}  eta {ProgressText.Eta(ProgressEstimator.RunRemaining(progress))}");
        var table = new Table().Border(TableBorder.None).HideHeaders();
        table.AddColumn(new TableColumn("partition").NoWrap());
        table.AddColumn(new TableColumn("bar").NoWrap());
        table.AddColumn(new TableColumn("read").RightAligned().NoWrap());
        table.AddColumn(new TableColumn("rate").RightAligned().NoWrap());
        table.AddColumn(new TableColumn("eta").NoWrap());
        table.AddColumn(new TableColumn("errors").NoWrap());
        table.AddColumn(new TableColumn("in-doubt").NoWrap());
        var room = Math.Max(console.Profile.Height - 4, 3);
        var running = progress.Partitions.Where(p => p.Status == PartitionStatus.Running).ToList();
        foreach (var partition in running.Take(room))
        {
            var fraction = ProgressEstimator.Fraction(progress, partition);
            table.AddRow(
                new Markup(Markup.Escape(partition.Id) + (partition.IsLocal ? string.Empty : " [grey](other worker)[/]")),
                new Markup(Bar(fraction, partition.ExpectedRecords is null)),
                new Markup(partition.RecordsRead.ToString("N0", CultureInfo.InvariantCulture)),
                new Markup(ProgressText.Rate(_estimator.RateOf(partition)) + "/s"),
                new Markup("eta " + ProgressText.Eta(_estimator.Remaining(progress, partition))),
                new Markup("errors " + Count(partition.Errors, "red")),
                new Markup("in-doubt " + Count(partition.InDoubt, "yellow")));
        }

        var rows = new List<IRenderable> { new Markup(header), table };
        if (running.Count > room)
        {
            rows.Add(new Markup(string.Create(CultureInfo.InvariantCulture, $"[grey]... and {running.Count - room} more running[/]")));
        }

        return new Rows(rows);
    }

    /// <summary>Draws a bar of the share done; <c>~</c> marks a share estimated from completed partitions rather than planned.</summary>
    private static string Bar(double? fraction, bool estimated)
    {
        if (fraction is not { } f)
        {
            return "[grey]" + new string('-', BarWidth) + "[/]    ?";
        }

        var filled = (int)Math.Round(f * BarWidth);
        return string.Create(CultureInfo.InvariantCulture, $"[green]{new string('#', filled)}[/][grey]{new string('-', BarWidth - filled)}[/] {(estimated ? "~" : " ")}{f * 100,3:0}%");
    }

    private static string Count(long value, string color) =>
        value > 0 ? $"[{color}]{value.ToString(CultureInfo.InvariantCulture)}[/]" : "0";
}
