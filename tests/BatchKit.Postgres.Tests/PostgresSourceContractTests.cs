using BatchKit.Testing;

namespace BatchKit.Postgres.Tests;

/// <summary>The source contract (BatchKit.Testing) for the PostgreSQL source against the real server: keyset pages smaller than the input.</summary>
public sealed class PostgresSourceContractTests : SourceContract<Order>, IAsyncLifetime
{
    private readonly TestSchema _schema = TestSchema.Create("bk_source_contract");

    public async Task InitializeAsync()
    {
        await _schema.CreateAsync();
        foreach (var table in new[] { "good", "bad" })
        {
            await _schema.ExecuteAsync($"CREATE TABLE \"{_schema.Name}\".\"{table}\" (id bigint PRIMARY KEY, bucket int NOT NULL, customer text NOT NULL, amount numeric, placed_at timestamptz, note text)");
            await _schema.ExecuteAsync(
                $"INSERT INTO \"{_schema.Name}\".\"{table}\" SELECT i, i % 4, 'customer-' || i, i * 1.25, timestamptz '2025-03-01 00:00:00+00' + i * interval '1 minute', CASE WHEN i % 3 = 0 THEN NULL ELSE 'n' || i END "
                + "FROM generate_series(1, 24) AS i");
        }

        // A NULL in a column the record requires: those rows cannot be mapped.
        await _schema.ExecuteAsync($"UPDATE \"{_schema.Name}\".\"bad\" SET placed_at = NULL WHERE id IN (5, 14)");
    }

    public Task DisposeAsync() => _schema.DisposeAsync().AsTask();

    protected override (ISource<Order> Source, Partition Partition) CreateInput() =>
        (Source("good"), new Partition(0, "keys-0000", PartitionDescriptor.Keys(1, 25)));

    // Offsets count the rows of the key range from 1.
    protected override (ISource<Order> Source, Partition Partition, IReadOnlyList<long> BadRecordOffsets) CreateInputWithBadRecords() =>
        (Source("bad"), new Partition(0, "keys-0000", PartitionDescriptor.Keys(1, 25)), [5, 14]);

    private PostgresSource<Order> Source(string table) =>
        new(new PostgresSourceOptions { DataSource = _schema.DataSource, Table = _schema.Name + "." + table, PageSize = 5 });
}
