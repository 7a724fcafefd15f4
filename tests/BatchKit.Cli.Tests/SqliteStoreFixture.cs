using Microsoft.Data.Sqlite;

namespace BatchKit.Cli.Tests;

/// <summary>The fixture's runs in a SQLite state file; copies are made with <c>VACUUM INTO</c>.</summary>
public sealed class SqliteStoreFixture : StoreFixture
{
    public string StorePath => Path.Combine(Root, "state.db");

    public override CliStore Store => For(StorePath);

    public static CliStore For(string path) => new(["--store", path], () => new SqliteCheckpointStore(path), table => Task.FromResult(Count(path, table)));

    /// <summary>Makes a fresh copy of the state file and returns its path.</summary>
    public string CopyStore()
    {
        var copy = Path.Combine(Root, "copy-" + Guid.NewGuid().ToString("N") + ".db");
        using (var source = new SqliteConnection($"Data Source={StorePath};Mode=ReadOnly;Pooling=False"))
        {
            source.Open();
            using var command = source.CreateCommand();
            command.CommandText = "VACUUM INTO $path";
            command.Parameters.AddWithValue("$path", copy);
            command.ExecuteNonQuery();
        }

        return copy;
    }

    public override Task<CliStore> CopyStoreAsync() => Task.FromResult(For(CopyStore()));

    public override Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        return base.DisposeAsync();
    }

    private static long Count(string path, string table)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var count = connection.CreateCommand();
        count.CommandText = $"SELECT count(*) FROM {table}";
        return Convert.ToInt64(count.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
