using System.Globalization;
using DuckDB.NET.Data;
using NightlyAnalytics;

namespace NightlyCompare;

/// <summary>Variants (a), the sample's job through BatchKit, and (b), the same job as one DuckDB statement.</summary>
internal static class Variants
{
    /// <summary>The DuckDB file each variant writes <c>daily_aggregates</c> into, inside its output folder.</summary>
    public const string WarehouseFile = "warehouse.duckdb";

    /// <summary>
    /// Runs the NightlyAnalytics job end to end through its public API: a fresh warehouse and SQLite state (the output
    /// folder is new), staging next to the warehouse.
    /// </summary>
    public static async Task<string> RunBatchKitAsync(string input, string warehouse, int parallelism, bool combine)
    {
        var settings = new NightlyJobSettings { InputDirectory = input, WarehousePath = warehouse, Parallelism = parallelism, CombineBeforeShuffle = combine };
        var outcome = await NightlyJob.RunAsync(settings);
        var result = outcome.Result;
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"the run ended {result.Status}: {result.Exception}");
        }

        if (!outcome.Verified || result.WasAlreadyCompleted)
        {
            throw new InvalidOperationException(
                $"the warehouse '{warehouse}' holds {outcome.WarehouseEvents} events, expected {outcome.ExpectedEvents} " +
                $"(already completed: {result.WasAlreadyCompleted}; the output folder must be new).");
        }

        return FormattableString.Invariant(
            $"records_in={result.RecordsRead} rows={outcome.WarehouseRows} dropped={result.Errors} extract_s={outcome.ExtractTime.TotalSeconds:F2} partitions_s={outcome.PartitionTime.TotalSeconds:F2}");
    }

    /// <summary>
    /// Runs the job as one DuckDB statement over the Parquet files. The column types match the sample's table
    /// (<c>hour</c> INTEGER, counts BIGINT, the duration DOUBLE); the session time zone is UTC so that the date and hour
    /// of the <c>TIMESTAMP WITH TIME ZONE</c> column are the UTC ones the sample uses.
    /// </summary>
    public static string RunDuckDb(string input, string warehouse, int threads)
    {
        var pattern = Path.Combine(Path.GetFullPath(input), "*.parquet").Replace("'", "''", StringComparison.Ordinal);
        using var connection = new DuckDBConnection("Data Source=" + Path.GetFullPath(warehouse));
        connection.Open();
        Execute(connection, string.Create(CultureInfo.InvariantCulture, $"SET threads = {threads}"));
        Execute(connection, "SET TimeZone = 'UTC'");
        Execute(connection, $"""
            CREATE TABLE {NightlyJob.TableName} AS
            SELECT CAST(ts AS DATE) AS event_date, user_id, event_type, CAST(hour(ts) AS INTEGER) AS hour,
                   count(*) AS event_count, count(DISTINCT session_id) AS unique_sessions, sum(duration_ms) AS total_duration_ms
            FROM read_parquet('{pattern}')
            WHERE event_type IS NOT NULL
            GROUP BY ALL
            """);
        using var totals = connection.CreateCommand();
        totals.CommandText = $"SELECT count(*), coalesce(sum(event_count), 0)::BIGINT FROM {NightlyJob.TableName}";
        using var reader = totals.ExecuteReader();
        reader.Read();
        return FormattableString.Invariant($"rows={reader.GetInt64(0)} events={reader.GetInt64(1)}");
    }

    private static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
