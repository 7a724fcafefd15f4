using System.Globalization;
using DuckDB.NET.Data;

namespace BatchKit.Samples.Tests.Fleet;

/// <summary>Reads the rows of <c>daily_aggregates</c> of one date from a DuckDB or PostgreSQL warehouse in one text form, and compares them as bags.</summary>
public static class FleetWarehouse
{
    private const string Columns = "event_date, user_id, event_type, hour, event_count, unique_sessions, total_duration_ms";

    /// <summary>The rows of a DuckDB warehouse file for a date.</summary>
    public static List<string> DuckDbRows(string path, DateOnly date)
    {
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using (var attach = connection.CreateCommand())
        {
            attach.CommandText = $"ATTACH '{path.Replace("'", "''", StringComparison.Ordinal)}' AS w (READ_ONLY)";
            attach.ExecuteNonQuery();
        }

        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT strftime(event_date, '%Y-%m-%d'), user_id, event_type, hour, event_count, unique_sessions, total_duration_ms FROM w.daily_aggregates WHERE event_date = DATE '{Text(date)}'";
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add(string.Join(
                "|",
                reader.GetString(0),
                reader.GetInt64(1).ToString(CultureInfo.InvariantCulture),
                reader.GetString(2),
                reader.GetInt32(3).ToString(CultureInfo.InvariantCulture),
                reader.GetInt64(4).ToString(CultureInfo.InvariantCulture),
                reader.GetInt64(5).ToString(CultureInfo.InvariantCulture),
                reader.GetDouble(6).ToString("R", CultureInfo.InvariantCulture)));
        }

        return rows;
    }

    /// <summary>The rows of the PostgreSQL warehouse for a date.</summary>
    public static Task<List<string>> PostgresRows(PgDatabase database, DateOnly date) =>
        database.RowsAsync($"SELECT {Columns} FROM daily_aggregates WHERE event_date = DATE '{Text(date)}'");

    /// <summary>Asserts that two bags of rows are equal: no row missing, none extra or duplicated.</summary>
    public static void ShouldEqual(List<string> actual, List<string> expected, string because)
    {
        var missing = Except(expected, actual);
        var extra = Except(actual, expected);
        missing.Should().BeEmpty($"no row of the clean run is lost ({because}); {missing.Count} missing, e.g. {string.Join("; ", missing.Take(3))}");
        extra.Should().BeEmpty($"no row is extra or duplicated ({because}); {extra.Count} extra, e.g. {string.Join("; ", extra.Take(3))}");
        actual.Should().HaveCount(expected.Count);
    }

    private static List<string> Except(List<string> left, List<string> right)
    {
        var counts = right.GroupBy(r => r, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var result = new List<string>();
        foreach (var row in left)
        {
            if (counts.TryGetValue(row, out var n) && n > 0)
            {
                counts[row] = n - 1;
            }
            else
            {
                result.Add(row);
            }
        }

        return result;
    }

    private static string Text(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
