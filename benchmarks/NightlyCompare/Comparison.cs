using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using NightlyAnalytics;

namespace NightlyCompare;

/// <summary>
/// The parent: generates the data set once, runs every variant in a fresh child process per round (the order rotates
/// from round to round), checks that the last run of each variant produced identical aggregates, and prints the table.
/// </summary>
internal static class Comparison
{
    private static readonly char[] VariantNames = ['a', 'b', 'c', 'd'];

    private static readonly Dictionary<char, string> Descriptions = new()
    {
        ['a'] = "BatchKit, combiner (AggregateBy)",
        ['b'] = "DuckDB, one SQL statement",
        ['c'] = "Parquet.Net loop + DuckDB appender",
        ['d'] = "BatchKit, rows shuffled (no combiner)",
    };

    public static async Task<int> RunAsync(CompareOptions options)
    {
        var ownsWork = options.Work is null;
        var work = Path.GetFullPath(options.Work ?? Path.Combine(Path.GetTempPath(), "batchkit-nightly-compare-" + Guid.NewGuid().ToString("N")[..8]));
        using var stop = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"NightlyCompare: job={options.Job} events={options.Events:N0} files={options.Files} seed={options.Seed} runs={options.Runs} parallelism={options.Parallelism} cores={Environment.ProcessorCount} ({RuntimeInformation.OSDescription.Trim()}, .NET {Environment.Version}) work={work}"));
            var input = await EnsureDataAsync(work, options, stop.Token);
            var runs = await RunRoundsAsync(work, input, options, stop.Token);
            if (runs is null)
            {
                return 1;
            }

            Console.WriteLine();
            PrintTable(runs, options);
            Console.WriteLine();
            var lastRound = options.Runs;
            var agree = ResultCheck.Compare([.. VariantNames.Select(v => (v, Path.Combine(RunDirectory(work, v, lastRound), Variants.WarehouseFile)))], Console.Out, options.Job);
            Console.WriteLine();
            Console.WriteLine(agree
                ? "RESULT: all four variants agree (identical result tables: rows, checksums, EXCEPT ALL both ways)."
                : "RESULT: the variants DISAGREE (see above).");
            return agree ? 0 : 1;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            Console.Error.WriteLine("Stopped by Ctrl+C.");
            return 130;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or System.ComponentModel.Win32Exception or DuckDB.NET.Data.DuckDBException)
        {
            Console.Error.WriteLine($"error: {e.GetType().Name}: {e.Message}");
            Console.WriteLine("RESULT: the comparison FAILED before the variants could be compared.");
            return 1;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
            if (ownsWork)
            {
                TryDelete(work);
            }
        }
    }

    /// <summary>Generates the events into <c>&lt;work&gt;/events</c> unless the marker file says they are there with the same parameters.</summary>
    private static async Task<string> EnsureDataAsync(string work, CompareOptions options, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(work);
        if (options.Job == "groupby")
        {
            return await EnsureSalesAsync(work, options, cancellationToken);
        }

        var input = Path.Combine(work, "events");
        var marker = Path.Combine(work, "events.params");
        var parameters = string.Create(CultureInfo.InvariantCulture,
            $"events={options.Events} files={options.Files} seed={options.Seed} row_group={EventGenerator.DefaultRowGroupSize} date={NightlyJob.DefaultDate:yyyy-MM-dd} generator=NightlyAnalytics.EventGenerator");
        var expected = Enumerable.Range(0, options.Files).Select(f => Path.Combine(input, $"events-{f:D4}.parquet")).ToHashSet(StringComparer.Ordinal);
        var present = Directory.Exists(input) ? Directory.GetFiles(input, "*.parquet").ToHashSet(StringComparer.Ordinal) : [];
        if (File.Exists(marker) && File.ReadAllText(marker).Trim() == parameters && present.SetEquals(expected))
        {
            Console.WriteLine($"Data: reusing {input} ({parameters})");
            return input;
        }

        File.Delete(marker);
        foreach (var stray in present.Except(expected))
        {
            File.Delete(stray);
        }

        var clock = Stopwatch.StartNew();
        Console.WriteLine($"Data: generating {options.Events:N0} events into {input} ...");
        await EventGenerator.GenerateAsync(input, options.Events, options.Files, options.Seed, cancellationToken: cancellationToken);
        await File.WriteAllTextAsync(marker, parameters + Environment.NewLine, cancellationToken);
        var bytes = Directory.GetFiles(input, "*.parquet").Sum(f => new FileInfo(f).Length);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Data: generated in {clock.Elapsed.TotalSeconds:F1} s, {bytes / 1048576.0:F1} MB of Parquet"));
        return input;
    }

    /// <summary>Generates the sales of the group-by job into <c>&lt;work&gt;/sales</c> unless the marker file says they are there with the same parameters.</summary>
    private static async Task<string> EnsureSalesAsync(string work, CompareOptions options, CancellationToken cancellationToken)
    {
        var input = Path.Combine(work, "sales");
        var marker = Path.Combine(work, "sales.params");
        var parameters = string.Create(CultureInfo.InvariantCulture,
            $"rows={options.Events} files={options.Files} seed={options.Seed} row_group={GroupByJob.RowGroupSize} stores={GroupByJob.Stores} days={GroupByJob.Days} generator=GroupByJob");
        if (File.Exists(marker) && File.ReadAllText(marker).Trim() == parameters)
        {
            Console.WriteLine($"Data: reusing {input} ({parameters})");
            return input;
        }

        if (Directory.Exists(input))
        {
            Directory.Delete(input, recursive: true);
        }

        var clock = Stopwatch.StartNew();
        Console.WriteLine($"Data: generating {options.Events:N0} sales into {input} ...");
        await GroupByJob.GenerateAsync(input, options.Events, options.Files, options.Seed, cancellationToken);
        await File.WriteAllTextAsync(marker, parameters + Environment.NewLine, cancellationToken);
        var bytes = Directory.GetFiles(input, "*.parquet").Sum(f => new FileInfo(f).Length);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Data: generated in {clock.Elapsed.TotalSeconds:F1} s, {bytes / 1048576.0:F1} MB of Parquet"));
        return input;
    }

    /// <summary>Runs the rounds; returns null (after printing the child's output) when a child fails.</summary>
    private static async Task<List<ChildRun>?> RunRoundsAsync(string work, string input, CompareOptions options, CancellationToken cancellationToken)
    {
        var runs = new List<ChildRun>();
        for (var round = 1; round <= options.Runs; round++)
        {
            var order = Enumerable.Range(0, VariantNames.Length).Select(k => VariantNames[(k + round - 1) % VariantNames.Length]).ToArray();
            Console.WriteLine($"Round {round}/{options.Runs} (order {string.Join(", ", order)}):");
            foreach (var variant in order)
            {
                // Only the latest run of a variant is kept (its table is compared at the end); every run starts from a new folder.
                TryDelete(RunDirectory(work, variant, round - 1));
                var output = RunDirectory(work, variant, round);
                TryDelete(output);
                var run = await ChildProcess.RunAsync(variant, round, input, output, options.Parallelism, options.Job, cancellationToken);
                TryDelete(Path.Combine(output, Path.ChangeExtension(Variants.WarehouseFile, ".staging")));
                if (run.ExitCode != 0 || double.IsNaN(run.PeakRssMb))
                {
                    Console.Error.WriteLine($"error: variant ({variant}) exited with code {run.ExitCode} in round {round}; its output:");
                    Console.Error.WriteLine(run.Output.TrimEnd());
                    Console.Error.WriteLine(run.Errors.TrimEnd());
                    Console.WriteLine("RESULT: a variant FAILED, so the variants cannot be compared.");
                    return null;
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  ({variant}) {run.Wall.TotalSeconds,7:F2} s  peak {run.PeakRssMb,6:F0} MB   {run.Summary}"));
                runs.Add(run);
            }
        }

        return runs;
    }

    private static void PrintTable(List<ChildRun> runs, CompareOptions options)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Summary: {options.Events:N0} input events, {options.Runs} run(s) per variant, each in a fresh process (wall time measured by the parent, startup included); peak RSS = max VmHWM over runs."));
        Console.WriteLine();
        Console.WriteLine("| variant | what | median wall s | events/s | peak RSS MB | time vs (a) | RSS vs (a) | runs s |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---|");
        var baseTime = Median(runs.Where(r => r.Variant == 'a').Select(r => r.Wall.TotalSeconds));
        var baseRss = runs.Where(r => r.Variant == 'a').Max(r => r.PeakRssMb);
        foreach (var variant in VariantNames)
        {
            var mine = runs.Where(r => r.Variant == variant).OrderBy(r => r.Round).ToList();
            var median = Median(mine.Select(r => r.Wall.TotalSeconds));
            var rss = mine.Max(r => r.PeakRssMb);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| ({variant}) | {Descriptions[variant]} | {median:F2} | {options.Events / median:N0} | {rss:F0} | {median / baseTime:F2}x | {rss / baseRss:F2}x | {string.Join(" ", mine.Select(r => r.Wall.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture)))} |"));
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static string RunDirectory(string work, char variant, int round) =>
        Path.Combine(work, "runs", string.Create(CultureInfo.InvariantCulture, $"{variant}-{round}"));

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"warning: could not delete '{directory}': {e.Message}");
        }
        catch (UnauthorizedAccessException e)
        {
            Console.Error.WriteLine($"warning: could not delete '{directory}': {e.Message}");
        }
    }
}
