namespace BatchKit.Postgres.Tests;

/// <summary>The column naming policy of the sink's mapping and of the source's own row mapping, against the real server.</summary>
public sealed class PostgresColumnNamingTests : IAsyncLifetime
{
    private static readonly RunKey Run = new("orders-naming", RunParameters.Empty);
    private static readonly Order Sample = new(7, 3, "customer-7", 8.75m, new DateTimeOffset(2025, 3, 1, 0, 7, 0, TimeSpan.Zero), "n7");
    private readonly TestSchema _schema = TestSchema.Create("bk_naming");

    public Task InitializeAsync() => _schema.CreateAsync();

    public Task DisposeAsync() => _schema.DisposeAsync().AsTask();

    [Theory]
    [InlineData(ColumnNaming.SnakeCase, "id,bucket,customer,amount,placed_at,note")]
    [InlineData(ColumnNaming.Exact, "Id,Bucket,Customer,Amount,PlacedAt,Note")]
    public async Task Upsert_ColumnNamingPolicy_CreatesAndFillsTableWithThoseNames(ColumnNaming naming, string expected)
    {
        await using var sink = new PostgresSink<Order>(
            new PostgresTableMapping<Order>(_schema.Name + ".orders").HasKey(o => o.Id).UseColumnNaming(naming),
            new PostgresSinkOptions { DataSource = _schema.DataSource, Disposition = WriteDisposition.Upsert, CreateTable = true });
        await using (var writer = await sink.OpenAsync(new SinkContext(Run, new Partition(0, "all", PartitionDescriptor.Hash(0, 1)), null), default))
        {
            await writer.WriteAsync(new[] { Sample }, default);
            await writer.CommitAsync(default);
            await writer.CompleteAsync(default);
        }

        (await _schema.RowsAsync($"SELECT column_name FROM information_schema.columns WHERE table_schema = '{_schema.Name}' AND table_name = 'orders' AND column_name NOT LIKE '\\_bk%' ORDER BY ordinal_position"))
            .Should().Equal(expected.Split(','));
        var options = new PostgresSourceOptions { DataSource = _schema.DataSource, Table = _schema.Name + ".orders", KeyColumn = expected.Split(',')[0], ColumnNaming = naming };
        (await ReadAllAsync(new PostgresSource<Order>(options))).Should().Equal(Sample);
    }

    [Fact]
    public async Task ReadAsync_LettersAndDigits_FindsSpacedColumn()
    {
        await CreateTableAsync("\"Placed At\" timestamptz NOT NULL");
        var options = new PostgresSourceOptions { DataSource = _schema.DataSource, Table = _schema.Name + ".orders", ColumnNaming = ColumnNaming.LettersAndDigits };

        (await ReadAllAsync(new PostgresSource<Order>(options))).Should().Equal(Sample);
    }

    [Fact]
    public async Task OpenAsync_DefaultSnakeCase_DoesNotFindSpacedColumn()
    {
        await CreateTableAsync("\"Placed At\" timestamptz NOT NULL");
        var options = new PostgresSourceOptions { DataSource = _schema.DataSource, Table = _schema.Name + ".orders" };

        var act = () => ReadAllAsync(new PostgresSource<Order>(options));

        (await act.Should().ThrowAsync<BatchKitException>()).Which.Message.Should().Contain("Order.PlacedAt").And.Contain("'Placed At'");
    }

    [Fact]
    public async Task OpenAsync_TwoColumnsMatchOneProperty_ThrowsNamingTableColumnsAndProperty()
    {
        await CreateTableAsync("\"Placed At\" timestamptz NOT NULL, \"placed-at\" timestamptz");
        var options = new PostgresSourceOptions { DataSource = _schema.DataSource, Table = _schema.Name + ".orders", ColumnNaming = ColumnNaming.LettersAndDigits };

        var act = () => ReadAllAsync(new PostgresSource<Order>(options));

        var error = (await act.Should().ThrowAsync<BatchKitException>()).Which;
        error.Message.Should().Contain(_schema.Name + ".orders").And.Contain("'Placed At'").And.Contain("'placed-at'").And.Contain("Order.PlacedAt");
        error.IsTransient.Should().BeFalse();
    }

    private async Task CreateTableAsync(string placedAt)
    {
        await _schema.ExecuteAsync($"CREATE TABLE \"{_schema.Name}\".orders (id bigint PRIMARY KEY, bucket int NOT NULL, customer text NOT NULL, amount numeric, {placedAt}, note text)");
        await _schema.ExecuteAsync(
            $"INSERT INTO \"{_schema.Name}\".orders (id, bucket, customer, amount, \"Placed At\", note) VALUES (7, 3, 'customer-7', 8.75, timestamptz '2025-03-01 00:07:00+00', 'n7')");
    }

    private static async Task<List<Order>> ReadAllAsync(PostgresSource<Order> source)
    {
        var records = new List<Order>();
        await using (source)
        {
            await using var reader = await source.OpenAsync(new SourceContext(Run, new Partition(0, "keys", PartitionDescriptor.Keys(0, 100)), 0), default);
            var buffer = new Order[16];
            int n;
            while ((n = await reader.ReadAsync(buffer, default)) > 0)
            {
                records.AddRange(buffer.Take(n));
            }
        }

        return records;
    }
}
