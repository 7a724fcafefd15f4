using NightlyAnalytics;
using static NightlyAnalytics.CommandLine;

namespace NightlyCompare;

/// <summary>The parent's options: the data set, the number of rounds and where everything goes.</summary>
internal sealed record CompareOptions(long Events, int Runs, int Files, int Seed, string? Work, int Parallelism, string Job = "nightly")
{
    public const string Usage = """
        usage:
          NightlyCompare --events N [--runs R] [--files F] [--seed S] [--work DIR] [--parallelism P] [--job nightly|groupby]
            --events       input events to generate (accepts 200k, 10M)
            --runs         rounds; each round runs every variant once, in a fresh process (default 3)
            --files        Parquet files the events are split across (default 4, as the sample's generator)
            --seed         generator seed (default 42)
            --work         folder for the data and the results, kept at the end (default: a temp folder, deleted)
            --parallelism  partitions at once in (a) and (d), DuckDB threads in (b), worker tasks in (c) (default 2)
            --job          nightly: the NightlyAnalytics job (default); groupby: sales (string store, ts, integer
                           measures; ZSTD, dictionary-encoded) grouped by (store, day)
          NightlyCompare variant a|b|c|d --input DIR --out DIR [--parallelism P] [--job nightly|groupby]   (one variant; started by the parent)
        """;

    public static CompareOptions Parse(ReadOnlySpan<string> args)
    {
        var options = OptionParser.Parse(args);
        OptionParser.AllowOnly(options, "events", "runs", "files", "seed", "work", "parallelism", "job");
        var result = new CompareOptions(
            Count(options, "events", null),
            (int)Count(options, "runs", 3),
            (int)Count(options, "files", NightlyAnalytics.EventGenerator.DefaultFiles),
            (int)Count(options, "seed", NightlyAnalytics.EventGenerator.DefaultSeed),
            options.GetValueOrDefault("work"),
            (int)Count(options, "parallelism", 2),
            options.GetValueOrDefault("job", "nightly"));
        if (result.Job is not ("nightly" or "groupby"))
        {
            throw new UsageException($"--job expects 'nightly' or 'groupby', found '{result.Job}'.");
        }

        if (result.Events < 1 || result.Runs < 1 || result.Files < 1 || result.Parallelism < 1)
        {
            throw new UsageException(
                $"--events, --runs, --files and --parallelism must be at least 1, found {result.Events}, {result.Runs}, {result.Files} and {result.Parallelism}.");
        }

        return result;
    }
}
