using System.Collections.Concurrent;
using Npgsql;

namespace BatchKit.Postgres.Tests;

/// <summary>Key-range partitions, keyset pages, resume at the last key, bad rows and the read replica, against the real server.</summary>
public sealed class PostgresSourceTests : IAsyncLifetime
{
    private readonly TestSchema _schema = TestSchema.Create("bk_source");

    public async Task InitializeAsync()
    {
        await _schema.CreateAsync();
        await _schema.ExecuteAsync($"CREATE TABLE {Table} (id bigint PRIMARY KEY, bucket int NOT NULL, customer text NOT NULL, amount numeric, placed_at timestamptz NOT NULL, note text)");

        // Keys 1..3000 with every seventh missing, so ranges and pages do not line up with row counts.
        await _schema.ExecuteAsync(
            $"INSERT INTO {Table} SELECT i, i % 4, 'customer-' || i, i * 1.25, timestamptz '2025-03-01 00:00:00+00' + i * interval '1 minute', CASE WHEN i % 3 = 0 THEN NULL ELSE 'n' || i END "
            + "FROM generate_series(1, 3000) AS i WHERE i % 7 <> 0");
    }

    public Task DisposeAsync() => _schema.DisposeAsync().AsTask();

    private string Table => $"\"{_schema.Name}\".\"orders\"";

    private PostgresSourceOptions Options(int pageSize = 97) => new() { DataSource = _schema.DataSource, Table = _schema.Name + ".orders", PageSize = pageSize };

    private static SourceContext Context(Partition partition, long position, List<ErrorRecordDraft>? bad = null) =>
        new(new RunKey("orders-read", RunParameters.Empty), partition, position, bad is null ? null : bad.Add);

    private static async Task<List<Order>> ReadAllAsync(ISourceReader<Order> reader, int max = int.MaxValue)
    {
        var records = new List<Order>();
        var buffer = new Order[64];
        int n;
        while (records.Count < max && (n = await reader.ReadAsync(buffer.AsMemory(0, Math.Min(buffer.Length, max - records.Count)), default)) > 0)
        {
            records.AddRange(buffer.Take(n));
        }

        return records;
    }

    [Fact]
    public async Task Job_ComputedKeyRanges_ReadsEveryRowOnceByName()
    {
        var source = new PostgresSource<Order>(Options());
        var seen = new ConcurrentBag<Order>();
        var job = Job.Create("orders-read")
            .ReadFrom(source)
            .PartitionBy(source.CreateKeyRangePartitioner(5))
            .WriteTo(new DelegateSink<Order>(chunk => { foreach (var o in chunk.Span) { seen.Add(o); } }))
            .WithParallelism(2)
            .WithCommitInterval(250)
            .UseCheckpointStore(new InMemoryCheckpointStore())
            .Build();

        var result = await new JobRunner(job).RunAsync(RunParameters.Empty);

        result.Succeeded.Should().BeTrue();
        var expected = Enumerable.Range(1, 3000).Where(i => i % 7 != 0).Select(i => (long)i).ToList();
        seen.Select(o => o.Id).Order().Should().Equal(expected);
        seen.Single(o => o.Id == 9).Should().Be(new Order(9, 1, "customer-9", 11.25m, new DateTimeOffset(2025, 3, 1, 0, 9, 0, TimeSpan.Zero), null));
    }

    [Fact]
    public async Task OpenAsync_AtSavedPosition_ContinuesAfterTheLastKey()
    {
        var source = new PostgresSource<Order>(Options(pageSize: 10));
        var partition = new Partition(0, "keys-0000", PartitionDescriptor.Keys(100, 200));
        long position;
        await using (var first = await source.OpenAsync(Context(partition, 0), default))
        {
            (await ReadAllAsync(first, 25)).Select(o => o.Id).Should().Equal(Enumerable.Range(100, 29).Where(i => i % 7 != 0).Select(i => (long)i));
            position = first.Position;
        }

        await using var resumed = await source.OpenAsync(Context(partition, position), default);
        var rest = await ReadAllAsync(resumed);

        rest.Select(o => o.Id).Should().Equal(Enumerable.Range(129, 71).Where(i => i % 7 != 0).Select(i => (long)i));
        resumed.Position.Should().Be(200 - 100, "the position is the last key read, counted from the range start");
    }

    [Fact]
    public async Task ReadAsync_RowThatDoesNotMap_BecomesErrorRecordNamingTableKeyAndColumn()
    {
        await _schema.ExecuteAsync($"ALTER TABLE {Table} ALTER COLUMN placed_at DROP NOT NULL");
        await _schema.ExecuteAsync($"UPDATE {Table} SET placed_at = NULL WHERE id = 12");
        var source = new PostgresSource<Order>(Options());
        var bad = new List<ErrorRecordDraft>();
        await using var reader = await source.OpenAsync(Context(new Partition(0, "keys-0000", PartitionDescriptor.Keys(10, 15)), 0, bad), default);

        var records = await ReadAllAsync(reader);

        records.Select(o => o.Id).Should().Equal(10, 11, 13);
        bad.Should().ContainSingle().Which.Reason.Should().Contain("orders").And.Contain("id = 12").And.Contain("placed_at").And.Contain("NULL");
        bad[0].Offset.Should().Be(12 - 10 + 1);
        bad[0].RawPayload.Should().Contain("customer=customer-12");
    }

    [Fact]
    public async Task ReadAsync_DelegateMappingFromReadReplica_ReadsOnlyTheReplica()
    {
        await using var unreachable = NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Timeout=2;Username=x;Password=y");
        var options = Options();
        options.DataSource = unreachable;
        options.ReadReplica = _schema.DataSource;
        options.Columns.Add("id");
        options.Columns.Add("customer");
        var source = new PostgresSource<(long Id, string Customer)>(options, r => (r.GetInt64(0), r.GetString(1)));
        var partition = new Partition(0, "keys-0000", PartitionDescriptor.Keys(1, 10));

        await using var reader = await source.OpenAsync(new SourceContext(new RunKey("r", RunParameters.Empty), partition, 0), default);
        var buffer = new (long, string)[20];
        var n = await reader.ReadAsync(buffer, default);

        buffer.Take(n).Should().Equal((1L, "customer-1"), (2L, "customer-2"), (3L, "customer-3"), (4L, "customer-4"), (5L, "customer-5"), (6L, "customer-6"), (8L, "customer-8"), (9L, "customer-9"));
        (await source.CreateKeyRangePartitioner(3).PlanAsync(new PartitionPlanContext(new RunKey("r", RunParameters.Empty)), default)).Should().HaveCount(3);
    }
}
