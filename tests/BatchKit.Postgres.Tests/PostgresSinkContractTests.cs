using BatchKit.Testing;

namespace BatchKit.Postgres.Tests;

/// <summary>
/// The sink contract (BatchKit.Testing) for the PostgreSQL sink against the real server, with the PostgreSQL store in
/// the same schema (so each chunk's checkpoint commits in the sink's transaction); one derived class per disposition.
/// </summary>
public abstract class PostgresSinkContractTests : SinkContract<Order>, IAsyncLifetime
{
    private readonly TestSchema _schema = TestSchema.Create("bk_sink_contract");

    protected abstract WriteDisposition Disposition { get; }

    private string Table => _schema.Name + ".orders";

    public async Task InitializeAsync() => await _schema.CreateAsync();

    public Task DisposeAsync() => _schema.DisposeAsync().AsTask();

    protected override ISink<Order> CreateSink() => new PostgresSink<Order>(
        new PostgresTableMapping<Order>(Table).HasKey(o => o.Id),
        new PostgresSinkOptions
        {
            DataSource = _schema.DataSource,
            Disposition = Disposition,
            CreateTable = true,
            // A partition's slice is its row range: the contract's record i has Id i.
            Slice = c =>
            {
                var (start, end) = PartitionDescriptor.ParseRows(c.Partition.Descriptor);
                return PostgresSlice.Where("id >= @start AND id < @end", ("start", start), ("end", end));
            },
        });

    protected override ICheckpointStore CreateStore() =>
        new PostgresCheckpointStore(new PostgresCheckpointStoreOptions { DataSource = _schema.DataSource, Schema = _schema.Name });

    protected override Order CreateRecord(int index) =>
        new(index, index % 4, "customer-" + index, index * 1.25m, new DateTimeOffset(2025, 3, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(index), index % 3 == 0 ? null : "n" + index);

    protected override async ValueTask<IReadOnlyList<Order>> ReadPublishedAsync(RunKey runKey, CancellationToken cancellationToken)
    {
        if (await _schema.ScalarAsync<long>($"SELECT count(*) FROM information_schema.tables WHERE table_schema = '{_schema.Name}' AND table_name = 'orders'") == 0)
        {
            return [];
        }

        var rows = new List<Order>();
        await using var command = _schema.DataSource.CreateCommand($"SELECT id, bucket, customer, amount, placed_at, note FROM {Table}");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new Order(
                reader.GetInt64(0),
                reader.GetInt32(1),
                reader.GetString(2),
                reader.GetDecimal(3),
                reader.GetFieldValue<DateTimeOffset>(4),
                reader.IsDBNull(5) ? null : reader.GetString(5)));
        }

        return rows;
    }
}

/// <summary>The sink contract for the PostgreSQL sink's Upsert disposition.</summary>
public sealed class PostgresUpsertSinkContractTests : PostgresSinkContractTests
{
    protected override WriteDisposition Disposition => WriteDisposition.Upsert;
}

/// <summary>The sink contract for the PostgreSQL sink's ReplacePartition disposition.</summary>
public sealed class PostgresReplacePartitionSinkContractTests : PostgresSinkContractTests
{
    protected override WriteDisposition Disposition => WriteDisposition.ReplacePartition;
}
