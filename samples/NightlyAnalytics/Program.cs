// BatchKit NightlyAnalytics: Parquet events -> shuffle by user_id % 200 -> validate -> aggregate -> DuckDB warehouse.
//   generate --events N --out DIR [--files F] [--seed S]
//   run --input DIR --warehouse FILE.duckdb [--state FILE.db] [--date 2026-11-22] [--parallelism P]
//   (no arguments): generate 1M events into a temp folder once, then run the job on them.
//   --help, or <command> --help: every command and option, with its description (System.CommandLine).
using NightlyAnalytics;

try
{
    return args.Length == 0 ? await Commands.DefaultAsync() : await Commands.DispatchAsync(args);
}
catch (UsageException e)
{
    Console.Error.WriteLine("error: " + e.Message);
    Console.Error.WriteLine(Commands.Usage);
    return 2;
}
