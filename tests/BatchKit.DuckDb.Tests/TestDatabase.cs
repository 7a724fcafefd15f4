using System.Globalization;
using DuckDB.NET.Data;

namespace BatchKit.DuckDb.Tests;

/// <summary>A DuckDB file in a temporary folder, deleted on dispose.</summary>
internal sealed class TestDatabase : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "batchkit-duckdb-" + Guid.NewGuid().ToString("N"));

    public TestDatabase()
    {
        Directory.CreateDirectory(_folder);
        ConnectionString = "Data Source=" + Path.Combine(_folder, "test.duckdb");
    }

    public string ConnectionString { get; }

    /// <summary>Counts the rows staged in the Parquet staging files of a table (ReplacePartition), beside the database.</summary>
    public long StagedRows(string table = "daily_aggregates")
    {
        var folder = Path.Combine(_folder, "test.duckdb.bk-staging", table);
        var files = Directory.Exists(folder) ? Directory.GetFiles(folder, "*.parquet", SearchOption.AllDirectories) : [];
        if (files.Length == 0)
        {
            return 0;
        }

        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM read_parquet([" + string.Join(", ", files.Select(f => "'" + f + "'")) + "])";
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    public void Execute(string sql)
    {
        using var connection = new DuckDBConnection(ConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public long Count(string sql)
    {
        using var connection = new DuckDBConnection(ConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>Returns every row of a query as text, one string per row, sorted.</summary>
    public List<string> Rows(string sql)
    {
        using var connection = new DuckDBConnection(ConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            var values = new string[reader.FieldCount];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = reader.IsDBNull(i) ? "NULL" : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture)!;
            }

            rows.Add(string.Join("|", values));
        }

        rows.Sort(StringComparer.Ordinal);
        return rows;
    }

    public List<string> Table(string table) => Rows($"SELECT * FROM \"{table}\"");

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
