using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace PostgresScaleOut;

/// <summary>What every measurement shares: a database of its own, medians and percentiles, and printing.</summary>
internal static class Bench
{
    public static string ConnectionString { get; set; } = Environment.GetEnvironmentVariable("BATCHKIT_PG") ?? "Host=127.0.0.1;Port=55432;Username=postgres;Database=postgres";

    /// <summary>Creates a database of its own for one measurement (so its statistics, such as deadlocks, are the measurement's alone); dropped on dispose.</summary>
    public static async Task<ScratchDatabase> CreateDatabaseAsync(string prefix)
    {
        var name = prefix + "_" + Guid.NewGuid().ToString("N")[..10];
        await using (var admin = new NpgsqlConnection(ConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin);
            await create.ExecuteNonQueryAsync();
        }

        return new ScratchDatabase(name, new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString);
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    public static double Seconds(long started) => Stopwatch.GetElapsedTime(started).TotalSeconds;

    public static string F(double value, int decimals = 1) => value.ToString("N" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    public static void Row(params object[] cells) => Console.WriteLine("| " + string.Join(" | ", cells) + " |");

    public static void Header(params string[] cells)
    {
        Row(cells);
        Row(cells.Select(_ => "---").ToArray());
    }

    public static async Task<string> LoadAsync()
    {
        try
        {
            return (await File.ReadAllTextAsync("/proc/loadavg")).Trim();
        }
        catch (IOException)
        {
            return "(unknown)";
        }
    }
}

/// <summary>A database created for one measurement; dropped (with FORCE) on dispose.</summary>
internal sealed class ScratchDatabase(string name, string connectionString) : IAsyncDisposable
{
    public string Name { get; } = name;

    public string ConnectionString { get; } = connectionString;

    public async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(Bench.ConnectionString);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }
}
