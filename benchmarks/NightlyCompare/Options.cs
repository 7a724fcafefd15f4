using System.Globalization;

namespace NightlyCompare;

/// <summary>A wrong command line; the message says which option and what was expected.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>The parent's options: the data set, the number of rounds and where everything goes.</summary>
internal sealed record CompareOptions(long Events, int Runs, int Files, int Seed, string? Work, int Parallelism)
{
    public const string Usage = """
        usage:
          NightlyCompare --events N [--runs R] [--files F] [--seed S] [--work DIR] [--parallelism P]
            --events       input events to generate (accepts 200k, 10M)
            --runs         rounds; each round runs every variant once, in a fresh process (default 3)
            --files        Parquet files the events are split across (default 4, as the sample's generator)
            --seed         generator seed (default 42)
            --work         folder for the data and the results, kept at the end (default: a temp folder, deleted)
            --parallelism  partitions at once in (a), DuckDB threads in (b), worker tasks in (c) (default 2)
          NightlyCompare variant a|b|c --input DIR --out DIR [--parallelism P]   (one variant; started by the parent)
        """;

    public static CompareOptions Parse(ReadOnlySpan<string> args)
    {
        var options = ParseOptions(args);
        AllowOnly(options, "events", "runs", "files", "seed", "work", "parallelism");
        var result = new CompareOptions(
            Long(options, "events", null),
            (int)Long(options, "runs", 3),
            (int)Long(options, "files", NightlyAnalytics.EventGenerator.DefaultFiles),
            (int)Long(options, "seed", NightlyAnalytics.EventGenerator.DefaultSeed),
            options.GetValueOrDefault("work"),
            (int)Long(options, "parallelism", 2));
        if (result.Events < 1 || result.Runs < 1 || result.Files < 1 || result.Parallelism < 1)
        {
            throw new UsageException(
                $"--events, --runs, --files and --parallelism must be at least 1, found {result.Events}, {result.Runs}, {result.Files} and {result.Parallelism}.");
        }

        return result;
    }

    public static Dictionary<string, string> ParseOptions(ReadOnlySpan<string> args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                throw new UsageException($"expected an option such as --events, found '{arg}'.");
            }

            var name = arg[2..];
            string value;
            var eq = name.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0)
            {
                value = name[(eq + 1)..];
                name = name[..eq];
            }
            else if (i + 1 < args.Length)
            {
                value = args[++i];
            }
            else
            {
                throw new UsageException($"--{name} expects a value.");
            }

            if (!options.TryAdd(name, value))
            {
                throw new UsageException($"--{name} is given twice.");
            }
        }

        return options;
    }

    public static void AllowOnly(Dictionary<string, string> options, params string[] names)
    {
        foreach (var name in options.Keys.Where(k => !names.Contains(k)))
        {
            throw new UsageException($"unknown option --{name}; expected one of {string.Join(", ", names.Select(n => "--" + n))}.");
        }
    }

    public static string Required(Dictionary<string, string> options, string name) =>
        options.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value : throw new UsageException($"--{name} is required.");

    public static long Long(Dictionary<string, string> options, string name, long? fallback)
    {
        if (!options.TryGetValue(name, out var text))
        {
            return fallback ?? throw new UsageException($"--{name} is required.");
        }

        var normalized = text.Replace("_", string.Empty, StringComparison.Ordinal);
        var multiplier = 1L;
        if (normalized.EndsWith('M') || normalized.EndsWith('m'))
        {
            multiplier = 1_000_000;
            normalized = normalized[..^1];
        }
        else if (normalized.EndsWith('k') || normalized.EndsWith('K'))
        {
            multiplier = 1_000;
            normalized = normalized[..^1];
        }

        return long.TryParse(normalized, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value <= int.MaxValue * 1000L
            ? value * multiplier
            : throw new UsageException($"--{name} expects an integer such as 200000, 200k or 10M, found '{text}'.");
    }
}
