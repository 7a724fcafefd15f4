using Npgsql;

namespace BatchKit.Cli.Tests;

/// <summary>Schemas of their own on the test PostgreSQL server, each a state store; every one made is dropped on dispose.</summary>
public sealed class PostgresSchemas : IAsyncDisposable
{
    private readonly List<string> _made = [];

    public PostgresSchemas() => DataSource = NpgsqlDataSource.Create(ConnectionString);

    public static string ConnectionString => BatchKit.Testing.Services.TestServices.PostgresConnectionString;

    public NpgsqlDataSource DataSource { get; }

    /// <summary>Names a new schema (created by the store that first opens it).</summary>
    public string NewName(string prefix)
    {
        var name = prefix + "_" + Guid.NewGuid().ToString("N")[..12];
        lock (_made)
        {
            _made.Add(name);
        }

        return name;
    }

    /// <summary>A store in the schema: batchkit arguments with the connection string in the given form.</summary>
    public CliStore Store(string schema, string? storeText = null) => new(
        ["--store", storeText ?? ConnectionString, "--schema", schema],
        () => Open(schema),
        table => CountAsync(schema, table));

    public ICheckpointStore Open(string schema, TimeProvider? timeProvider = null) =>
        new BatchKit.Postgres.PostgresCheckpointStore(new BatchKit.Postgres.PostgresCheckpointStoreOptions { DataSource = DataSource, Schema = schema }, timeProvider);

    /// <summary>Copies every table of a store's schema into a new schema (rows, keys, indexes and defaults).</summary>
    public async Task<string> CopyAsync(string schema)
    {
        var copy = NewName("bk_cli_copy");
        var tables = new List<string>();
        await using (var list = DataSource.CreateCommand("SELECT table_name FROM information_schema.tables WHERE table_schema = @s ORDER BY table_name"))
        {
            list.Parameters.AddWithValue("s", schema);
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        var sql = $"CREATE SCHEMA \"{copy}\";" + string.Concat(tables.Select(t =>
            $"CREATE TABLE \"{copy}\".\"{t}\" (LIKE \"{schema}\".\"{t}\" INCLUDING ALL); INSERT INTO \"{copy}\".\"{t}\" SELECT * FROM \"{schema}\".\"{t}\";"));
        await using var command = DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
        return copy;
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<long> CountAsync(string schema, string table)
    {
        await using var command = DataSource.CreateCommand($"SELECT count(*) FROM \"{schema}\".\"{table}\"");
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        // Copies first: their defaults use the sequences of the schema they were copied from.
        List<string> made;
        lock (_made)
        {
            made = [.. _made];
        }

        made.Reverse();
        foreach (var schema in made)
        {
            await ExecuteAsync($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE");
        }

        await DataSource.DisposeAsync();
    }
}
