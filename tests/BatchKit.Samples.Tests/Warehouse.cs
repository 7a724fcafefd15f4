using System.Globalization;
using DuckDB.NET.Data;

namespace BatchKit.Samples.Tests;

/// <summary>Compares warehouses, and computes the expected aggregates straight from the Parquet input with DuckDB SQL.</summary>
public static class Warehouse
{
    private const string Columns = "event_date, user_id, event_type, hour, event_count, unique_sessions, total_duration_ms";

    /// <summary>The aggregates computed independently of BatchKit: DuckDB's own read_parquet and GROUP BY.</summary>
    public static string ExpectedSql(string inputDirectory) => $"""
        SELECT CAST(ts AS DATE) AS event_date, user_id, event_type, CAST(hour(ts) AS INTEGER) AS hour,
               count(*) AS event_count, count(DISTINCT session_id) AS unique_sessions, sum(duration_ms) AS total_duration_ms
        FROM read_parquet('{Quote(Path.Combine(inputDirectory, "*.parquet"))}')
        WHERE event_type IS NOT NULL
        GROUP BY ALL
        """;

    /// <summary>The rows of the <c>daily_aggregates</c> table of an attached warehouse.</summary>
    public static string TableSql(string alias) => $"SELECT {Columns} FROM {alias}.daily_aggregates";

    /// <summary>
    /// Runs two queries in one in-memory DuckDB (with the given warehouse files attached read-only) and counts the rows
    /// each has that the other lacks (bag semantics: a duplicated row counts), and the rows of each.
    /// </summary>
    public static Comparison Compare(string left, string right, params (string Alias, string Path)[] attach)
    {
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        Execute(connection, "SET TimeZone = 'UTC'");
        foreach (var (alias, path) in attach)
        {
            Execute(connection, $"ATTACH '{Quote(path)}' AS {alias} (READ_ONLY)");
        }

        Execute(connection, $"CREATE TEMP TABLE l AS {left}");
        Execute(connection, $"CREATE TEMP TABLE r AS {right}");
        var comparison = new Comparison(
            Scalar(connection, $"SELECT count(*) FROM (SELECT {Columns} FROM l EXCEPT ALL SELECT {Columns} FROM r)"),
            Scalar(connection, $"SELECT count(*) FROM (SELECT {Columns} FROM r EXCEPT ALL SELECT {Columns} FROM l)"),
            Scalar(connection, "SELECT count(*) FROM l"),
            Scalar(connection, "SELECT count(*) FROM r"),
            Scalar(connection, "SELECT coalesce(sum(event_count), 0)::BIGINT FROM l"));
        foreach (var (alias, _) in attach)
        {
            Execute(connection, $"DETACH {alias}");
        }

        return comparison;
    }

    /// <summary>Counts the rows a table of a warehouse file holds (for staging leftovers).</summary>
    public static long Count(string warehouse, string table)
    {
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        Execute(connection, $"ATTACH '{Quote(warehouse)}' AS w (READ_ONLY)");
        var count = Scalar(connection, $"SELECT count(*) FROM w.\"{table}\"");
        Execute(connection, "DETACH w");
        return count;
    }

    private static string Quote(string text) => text.Replace("'", "''", StringComparison.Ordinal);

    private static long Scalar(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}

/// <summary>The result of <see cref="Warehouse.Compare"/>.</summary>
public sealed record Comparison(long OnlyLeft, long OnlyRight, long LeftRows, long RightRows, long LeftEvents);
