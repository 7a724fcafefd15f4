using DuckDB.NET.Data;
using NightlyAnalytics;

namespace NightlyCompare;

/// <summary>What one variant's <c>daily_aggregates</c> table holds, summarised by a DuckDB query.</summary>
internal sealed record TableSummary(char Variant, long Rows, long Events, string Checksum, string Columns, string PrimaryKey);

/// <summary>
/// Compares the variants' result tables in one DuckDB session (each warehouse attached read-only): row count, event
/// total, the sum of a hash of every row, the column names and types, and exact <c>EXCEPT ALL</c> differences both ways
/// against variant (a).
/// </summary>
internal static class ResultCheck
{
    private static string ColumnList = "event_date, user_id, event_type, hour, event_count, unique_sessions, total_duration_ms";
    private static string TableName = NightlyJob.TableName;
    private static string CountColumn = "event_count";

    /// <summary>Compares the tables of the chosen job: <c>nightly</c> (daily_aggregates) or <c>groupby</c> (store_daily).</summary>
    public static bool Compare(IReadOnlyList<(char Variant, string Warehouse)> tables, TextWriter output, string job)
    {
        if (job == "groupby")
        {
            (ColumnList, TableName, CountColumn) = (GroupByJob.ColumnList, GroupByJob.TableName, "sales");
        }

        return Compare(tables, output);
    }

    private static bool Compare(IReadOnlyList<(char Variant, string Warehouse)> tables, TextWriter output)
    {
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        foreach (var (variant, warehouse) in tables)
        {
            Execute(connection, $"ATTACH '{warehouse.Replace("'", "''", StringComparison.Ordinal)}' AS v{variant} (READ_ONLY)");
        }

        var summaries = tables.Select(t => Summarise(connection, t.Variant)).ToList();
        output.WriteLine($"Results ({TableName}, last run of each variant; checksum = sum(hash({ColumnList}))):");
        output.WriteLine();
        output.WriteLine("| variant | rows | events | checksum | primary key | columns |");
        output.WriteLine("|---|---:|---:|---:|---|---|");
        foreach (var s in summaries)
        {
            output.WriteLine(FormattableString.Invariant($"| ({s.Variant}) | {s.Rows:N0} | {s.Events:N0} | {s.Checksum} | {s.PrimaryKey} | {s.Columns} |"));
        }

        output.WriteLine();
        var reference = summaries[0];
        var agree = true;
        foreach (var s in summaries.Skip(1))
        {
            var missing = CountExcept(connection, reference.Variant, s.Variant);
            var extra = CountExcept(connection, s.Variant, reference.Variant);
            var same = s.Rows == reference.Rows && s.Events == reference.Events && s.Checksum == reference.Checksum && s.Columns == reference.Columns
                && missing == 0 && extra == 0;
            output.WriteLine(string.Create(
                System.Globalization.CultureInfo.InvariantCulture,
                $"({s.Variant}) vs ({reference.Variant}): rows of ({reference.Variant}) missing from ({s.Variant}) = {missing}, rows of ({s.Variant}) not in ({reference.Variant}) = {extra}, columns {(s.Columns == reference.Columns ? "same" : "DIFFER")}, checksum {(s.Checksum == reference.Checksum ? "same" : "DIFFERS")} -> {(same ? "identical" : "DIFFERENT")}"));
            agree &= same;
        }

        return agree && reference.Rows > 0;
    }

    private static TableSummary Summarise(DuckDBConnection connection, char variant)
    {
        using var totals = connection.CreateCommand();
        totals.CommandText = $"""
            SELECT count(*), coalesce(sum({CountColumn}), 0)::BIGINT,
                   coalesce(sum(hash({ColumnList})), 0)::VARCHAR
            FROM v{variant}.{TableName}
            """;
        using var reader = totals.ExecuteReader();
        reader.Read();
        var rows = reader.GetInt64(0);
        var events = reader.GetInt64(1);
        var checksum = reader.GetString(2);

        var columns = Scalar(connection, $"""
            SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY column_index)
            FROM duckdb_columns() WHERE database_name = 'v{variant}' AND table_name = '{TableName}'
            """);
        var key = Scalar(connection, $"""
            SELECT coalesce(string_agg(array_to_string(constraint_column_names, ', '), '; '), 'none')
            FROM duckdb_constraints() WHERE database_name = 'v{variant}' AND table_name = '{TableName}' AND constraint_type = 'PRIMARY KEY'
            """);
        return new TableSummary(variant, rows, events, checksum, columns, key == "none" ? "none" : "(" + key + ")");
    }

    private static long CountExcept(DuckDBConnection connection, char left, char right) => long.Parse(
        Scalar(connection, $"""
            SELECT count(*)::VARCHAR FROM (
                SELECT {ColumnList} FROM v{left}.{TableName}
                EXCEPT ALL
                SELECT {ColumnList} FROM v{right}.{TableName})
            """),
        System.Globalization.CultureInfo.InvariantCulture);

    private static string Scalar(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
    }

    private static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
