using System.CommandLine;
using System.Globalization;

namespace NightlyAnalytics;

/// <summary>A wrong command line; the message says which option and what was expected.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>
/// The command tree of the sample, on System.CommandLine: commands, options with their descriptions (<c>--help</c>),
/// unknown and repeated options. Each command gets the options it was given as a name-to-text map, which it checks itself.
/// </summary>
public static class CommandLine
{
    /// <summary>Parses the arguments and runs the command; a wrong command line throws <see cref="UsageException"/>.</summary>
    public static async Task<int> InvokeAsync(string[] args, Func<Dictionary<string, string>, Task<int>> generate,
        Func<Dictionary<string, string>, Task<int>> run, Func<Dictionary<string, string>, Task<int>> worker, Func<Dictionary<string, string>, Task<int>> serve)
    {
        var root = new RootCommand("BatchKit NightlyAnalytics: Parquet events, shuffled by user_id % 200, validated and aggregated into a DuckDB (or PostgreSQL) warehouse. Without a command: generate 1M events into a folder once and run the job on them.");
        string[] jobOptions =
        [
            "input=The input: a folder of Parquet files, or s3://bucket/prefix/.",
            "warehouse=The warehouse: a DuckDB file, or a PostgreSQL connection string (default: $BATCHKIT_NIGHTLY_WAREHOUSE).",
            "state=The state store: a SQLite file, or a PostgreSQL connection string (default: $BATCHKIT_NIGHTLY_STATE, else beside the warehouse).",
            "staging=The staging folder every worker of the run reaches (required when warehouse and state are in PostgreSQL).",
            $"date=The run's date, yyyy-MM-dd (default {NightlyJob.DefaultDate:yyyy-MM-dd}).",
            "parallelism=How many partitions run at once (default: the processor count).",
            "write=How the warehouse is written: replace (default) or upsert.",
            "shuffle=What is shuffled: partials (combined per file, default) or rows.",
            "lease-seconds=The partition lease, in seconds (default 10).",
        ];
        Add(root, "generate", "Generates Parquet event files, locally or into s3://bucket/prefix/.", generate,
        [
            "events=How many events, such as 1000000, 1_000_000 or 1M.",
            "out=The folder, or s3://bucket/prefix/, to write the files to.",
            $"files=How many files (default {EventGenerator.DefaultFiles}).",
            $"seed=The random seed (default {EventGenerator.DefaultSeed}).",
        ]);
        Add(root, "run", "Runs the nightly job once and verifies the warehouse.", run, jobOptions);
        Add(root, "worker", "Runs one worker of several sharing a run (a pod of a Kubernetes Indexed Job).", worker,
        [
            .. jobOptions,
            "worker-index=This worker's index, 0 to the worker count - 1 (default: $JOB_COMPLETION_INDEX).",
            "worker-count=How many workers share the run (default: $BATCHKIT_WORKER_COUNT).",
        ]);
        Add(root, "serve", "Hosts the scheduler running the job on a cron schedule, the dashboard at /batchkit and /health.", serve,
        [
            "input=The folder of Parquet input files.",
            "warehouse=The DuckDB warehouse file.",
            "state=The SQLite state file.",
            "urls=The address to listen on (default http://127.0.0.1:5080).",
            $"schedule=The cron schedule, six fields with seconds first, UTC (default '{ServeCommand.DefaultSchedule}').",
            $"date=The run's date, yyyy-MM-dd (default {NightlyJob.DefaultDate:yyyy-MM-dd}).",
            "parallelism=How many partitions run at once (default: the processor count).",
        ]);
        var help = new Command("help", "Shows this help.");
        help.SetAction(_ => root.Parse("--help").Invoke());
        root.Subcommands.Add(help);

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            throw new UsageException(Describe(parsed, root));
        }

        return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
    }

    /// <summary>Returns an option's integer value, with an optional k or M suffix and underscores (<c>1_000</c>, <c>1M</c>).</summary>
    /// <exception cref="UsageException">The option is missing without a fallback, or is not an integer.</exception>
    public static long Count(Dictionary<string, string> options, string name, long? fallback)
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

        return long.TryParse(normalized, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value * multiplier
            : throw new UsageException($"--{name} expects an integer, found '{text}'.");
    }

    /// <summary>Returns an option's value.</summary>
    /// <exception cref="UsageException">The option is missing or empty.</exception>
    public static string Required(Dictionary<string, string> options, string name) =>
        options.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value : throw new UsageException($"--{name} is required.");

    // Each option is "name=description"; every value is read as text and checked by the command, with its own messages.
    private static void Add(RootCommand root, string name, string description, Func<Dictionary<string, string>, Task<int>> action, string[] options)
    {
        var command = new Command(name, description);
        var declared = options.Select(o => o.Split('=', 2)).Select(o => new Option<string>("--" + o[0]) { Description = o[1], HelpName = "value" }).ToList();
        foreach (var option in declared)
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, _) => action(declared
            .Where(o => parse.GetResult(o) is not null)
            .ToDictionary(o => o.Name[2..], o => parse.GetValue(o) ?? string.Empty, StringComparer.Ordinal)));
        root.Subcommands.Add(command);
    }

    private static string Describe(ParseResult parsed, RootCommand root)
    {
        var command = parsed.CommandResult.Command;
        if (command == root)
        {
            var first = parsed.Tokens.Count > 0 ? parsed.Tokens[0].Value : string.Empty;
            return $"unknown command '{first}': expected 'generate', 'run', 'worker' or 'serve'.";
        }

        var unknown = parsed.UnmatchedTokens.Count > 0 ? parsed.UnmatchedTokens[0] : null;
        if (unknown is not null)
        {
            return unknown.StartsWith("--", StringComparison.Ordinal)
                ? $"unknown option {unknown.Split('=', 2)[0]}; expected one of {string.Join(", ", command.Options.Where(o => o.Name.StartsWith("--", StringComparison.Ordinal) && o.Name != "--help").Select(o => o.Name))}."
                : $"expected an option such as --events, found '{unknown}'.";
        }

        return string.Join(" ", parsed.Errors.Select(e => e.Message));
    }
}
