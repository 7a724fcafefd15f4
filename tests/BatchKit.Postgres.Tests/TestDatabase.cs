using Npgsql;

namespace BatchKit.Postgres.Tests;

/// <summary>A schema of its own on the test server for one test class (or one test), dropped with everything in it on dispose.</summary>
public sealed class TestSchema : IAsyncDisposable
{
    private TestSchema(NpgsqlDataSource dataSource, string name)
    {
        DataSource = dataSource;
        Name = name;
    }

    public NpgsqlDataSource DataSource { get; }

    public string Name { get; }

    public string ConnectionString => BatchKit.Testing.Services.TestServices.PostgresConnectionString;

    public static TestSchema Create(string prefix)
    {
        var dataSource = NpgsqlDataSource.Create(BatchKit.Testing.Services.TestServices.PostgresConnectionString);
        return new TestSchema(dataSource, prefix + "_" + Guid.NewGuid().ToString("N")[..12]);
    }

    /// <summary>Creates the schema itself (stores create theirs; sink and source tests need one for their tables).</summary>
    public async Task<TestSchema> CreateAsync()
    {
        await ExecuteAsync($"CREATE SCHEMA \"{Name}\"");
        return this;
    }

    public async Task<int> ExecuteAsync(string sql, params (string Name, object? Value)[] parameters)
    {
        await using var command = DataSource.CreateCommand(sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return await command.ExecuteNonQueryAsync();
    }

    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        var value = await command.ExecuteScalarAsync();
        return (T)Convert.ChangeType(value!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<List<string>> RowsAsync(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            var fields = new string[reader.FieldCount];
            for (var i = 0; i < fields.Length; i++)
            {
                fields[i] = reader.IsDBNull(i) ? "NULL" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)!;
            }

            rows.Add(string.Join("|", fields));
        }

        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        await using (var command = DataSource.CreateCommand($"DROP SCHEMA IF EXISTS \"{Name}\" CASCADE"))
        {
            await command.ExecuteNonQueryAsync();
        }

        await DataSource.DisposeAsync();
    }
}
