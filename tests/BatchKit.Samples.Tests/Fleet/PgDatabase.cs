using System.Globalization;
using Npgsql;

namespace BatchKit.Samples.Tests.Fleet;

/// <summary>A database of its own on a PostgreSQL server for one test, dropped (connections and all) on dispose.</summary>
public sealed class PgDatabase : IAsyncDisposable
{
    private readonly string _serverConnectionString;
    private readonly string _adminConnectionString;

    private PgDatabase(string serverConnectionString, string name)
    {
        _serverConnectionString = serverConnectionString;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = name }.ConnectionString;
        _adminConnectionString = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = name, Pooling = false }.ConnectionString;
    }

    public string Name { get; }

    /// <summary>Gets the connection string of the database (what the sample's --warehouse and --state take).</summary>
    public string ConnectionString { get; }

    public static async Task<PgDatabase> CreateAsync(string serverConnectionString, string prefix)
    {
        var database = new PgDatabase(serverConnectionString, prefix + "_" + Guid.NewGuid().ToString("N")[..12]);
        await database.ServerExecuteAsync($"CREATE DATABASE \"{database.Name}\"");
        return database;
    }

    public async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_adminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>Reads every row of a query as one text line (fields separated by '|', in invariant culture).</summary>
    public async Task<List<string>> RowsAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_adminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            var fields = new string[reader.FieldCount];
            for (var i = 0; i < fields.Length; i++)
            {
                fields[i] = reader.IsDBNull(i) ? "NULL" : Format(reader.GetValue(i));
            }

            rows.Add(string.Join("|", fields));
        }

        return rows;
    }

    /// <summary>Tells whether a table exists yet (the sample creates its tables on first use).</summary>
    public async Task<bool> ExistsAsync(string table) => await ScalarAsync($"SELECT count(*) FROM pg_class WHERE oid = to_regclass('{table}')") > 0;

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await ServerExecuteAsync($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)");
    }

    private async Task ServerExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_serverConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static string Format(object value) => value switch
    {
        DateTime d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}
