using System.Diagnostics;
using System.Globalization;
using NightlyAnalytics;

namespace NightlyCompare;

/// <summary>Runs one variant in this process and prints its peak resident memory on the last line.</summary>
internal static class VariantCommand
{
    /// <summary>The prefix of the last line a variant prints.</summary>
    public const string PeakRssPrefix = "peak_rss_mb=";

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0)
        {
            throw new UsageException("variant expects a, b or c.");
        }

        if (args[0] is not ("a" or "b" or "c" or "d"))
        {
            throw new UsageException($"unknown variant '{args[0]}': expected a, b, c or d.");
        }

        var options = OptionParser.Parse(args.AsSpan(1));
        OptionParser.AllowOnly(options, "input", "out", "parallelism", "job");
        var job = options.GetValueOrDefault("job", "nightly");
        var input = NightlyAnalytics.CommandLine.Required(options, "input");
        var output = NightlyAnalytics.CommandLine.Required(options, "out");
        var parallelism = (int)NightlyAnalytics.CommandLine.Count(options, "parallelism", 2);
        if (parallelism < 1)
        {
            throw new UsageException($"--parallelism must be at least 1, found {parallelism}.");
        }

        if (!Directory.Exists(input))
        {
            throw new UsageException($"the input folder '{input}' does not exist.");
        }

        Directory.CreateDirectory(output);
        var warehouse = Path.Combine(output, Variants.WarehouseFile);
        var clock = Stopwatch.StartNew();
        int code;
        try
        {
            var summary = job == "groupby" ? args[0] switch
            {
                "a" => await GroupByJob.RunBatchKitAsync(input, warehouse, parallelism, combine: true),
                "d" => await GroupByJob.RunBatchKitAsync(input, warehouse, parallelism, combine: false),
                "b" => GroupByJob.RunDuckDb(input, warehouse, parallelism),
                _ => await GroupByJob.RunHandWrittenAsync(input, warehouse, parallelism),
            }
            : args[0] switch
            {
                "a" => await Variants.RunBatchKitAsync(input, warehouse, parallelism, combine: true),
                "d" => await Variants.RunBatchKitAsync(input, warehouse, parallelism, combine: false),
                "b" => Variants.RunDuckDb(input, warehouse, parallelism),
                "c" => await HandWrittenJob.RunAsync(input, warehouse, parallelism),
                var other => throw new UsageException($"unknown variant '{other}': expected a, b, c or d."),
            };
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"variant {args[0]}: {summary} elapsed_s={clock.Elapsed.TotalSeconds:F2}"));
            code = 0;
        }
        catch (Exception e) when (e is not UsageException)
        {
            Console.Error.WriteLine($"error: variant {args[0]} failed: {e}");
            code = 1;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{PeakRssPrefix}{PeakRssMb():F1}"));
        return code;
    }

    /// <summary>Reads the peak resident set size (VmHWM) of this process from /proc, or -1 where there is none.</summary>
    private static double PeakRssMb()
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status))
        {
            return -1;
        }

        var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        var parts = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts is { Length: >= 2 } && long.TryParse(parts[1], CultureInfo.InvariantCulture, out var kb) ? kb / 1024.0 : -1;
    }
}
