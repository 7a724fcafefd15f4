// BatchKit NightlyCompare: the NightlyAnalytics job through BatchKit (a), against DuckDB alone (b) and a hand-written
// Parquet.Net loop with a DuckDB appender load (c), each run in a fresh process on one generated data set.
//   --events N [--runs R] [--files F] [--seed S] [--work DIR] [--parallelism P]
//   variant a|b|c|d --input DIR --out DIR [--parallelism P]      (one variant in this process; started by the parent)
using NightlyAnalytics;
using NightlyCompare;

try
{
    if (args is ["help" or "--help" or "-h"])
    {
        Console.WriteLine(CompareOptions.Usage);
        return 0;
    }

    return args is ["variant", ..]
        ? await VariantCommand.RunAsync(args.AsSpan(1).ToArray())
        : await Comparison.RunAsync(CompareOptions.Parse(args));
}
catch (UsageException e)
{
    Console.Error.WriteLine("error: " + e.Message);
    Console.Error.WriteLine(CompareOptions.Usage);
    return 2;
}
