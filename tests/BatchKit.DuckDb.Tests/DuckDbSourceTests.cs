namespace BatchKit.DuckDb.Tests;

public sealed class DuckDbSourceTests : IDisposable
{
    private static readonly RunKey Run = new("export", RunParameters.Empty);
    private readonly TestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task CreateKeyRangePartitioner_Partitions_CoverEveryRowExactlyOnce()
    {
        // Keys repeat (three rows per id) and have gaps; seq breaks ties.
        _db.Execute("CREATE TABLE events AS SELECT i * 3 AS id, s AS seq, 'e' || i || '-' || s AS name FROM range(1, 1001) r(i), range(3) q(s)");
        var source = Source();

        var partitions = await source.CreateKeyRangePartitioner(7).PlanAsync(new PartitionPlanContext(Run), CancellationToken.None);
        var read = new List<Event>();
        foreach (var partition in partitions)
        {
            read.AddRange(await ReadAllAsync(source, partition, 0));
        }

        partitions.Should().HaveCount(7);
        partitions.Select(p => p.Id).Should().OnlyHaveUniqueItems().And.StartWith("keys-0000");
        read.Should().HaveCount(3000).And.OnlyHaveUniqueItems();
        read.Select(e => e.Name).Order(StringComparer.Ordinal).Should().Equal(_db.Rows("SELECT name FROM events"));
    }

    [Fact]
    public async Task OpenAsync_AtSavedPosition_ReturnsRemainingRows()
    {
        _db.Execute("CREATE TABLE events AS SELECT i % 10 AS id, i AS seq, 'n' || i AS name FROM range(200) r(i)");
        var source = Source();
        var partition = new Partition(0, "keys-0000", PartitionDescriptor.Keys(0, 10));
        var all = await ReadAllAsync(source, partition, 0);

        long position;
        var firstPart = new Event[37];
        await using (var reader = await source.OpenAsync(new SourceContext(Run, partition, 0), CancellationToken.None))
        {
            (await reader.ReadAsync(firstPart, CancellationToken.None)).Should().Be(37);
            position = reader.Position;
        }

        var rest = await ReadAllAsync(source, partition, position);

        position.Should().Be(37);
        all.Should().HaveCount(200);
        firstPart.Should().Equal(all[..37]);
        rest.Should().Equal(all[37..]);
    }

    [Fact]
    public async Task OpenAsync_Query_MapsColumnsByNameAndCasts()
    {
        _db.Execute("CREATE TABLE raw (k INTEGER, label VARCHAR)");
        _db.Execute("INSERT INTO raw VALUES (1, 'a'), (2, 'b'), (5, 'c')");
        var source = new DuckDbSource<Event>(
            new DuckDbTableMapping<Event>("unused"),
            new DuckDbSourceOptions { ConnectionString = _db.ConnectionString, Query = "SELECT k AS id, 0 AS seq, upper(label) AS name FROM raw", KeyColumn = "id" });

        var partitions = await source.CreateKeyRangePartitioner(2).PlanAsync(new PartitionPlanContext(Run), CancellationToken.None);
        var rows = new List<Event>();
        foreach (var partition in partitions)
        {
            rows.AddRange(await ReadAllAsync(source, partition, 0));
        }

        partitions.Select(p => p.Descriptor).Should().Equal(PartitionDescriptor.Keys(1, 4), PartitionDescriptor.Keys(4, 6));
        rows.Should().Equal(new Event(1, 0, "A"), new Event(2, 0, "B"), new Event(5, 0, "C"));
    }

    [Fact]
    public async Task ReadAsync_NullInNonNullableColumn_ReportsBadRecordAndSkipsIt()
    {
        _db.Execute("CREATE TABLE events (id BIGINT, seq BIGINT, name VARCHAR)");
        _db.Execute("INSERT INTO events VALUES (1, 0, 'a'), (2, NULL, 'b'), (3, 0, 'c')");
        var source = Source();
        var bad = new List<ErrorRecordDraft>();
        var partition = new Partition(0, "keys-0000", PartitionDescriptor.Keys(0, 10));

        await using var reader = await source.OpenAsync(new SourceContext(Run, partition, 0, bad.Add), CancellationToken.None);
        var buffer = new Event[10];
        var count = await reader.ReadAsync(buffer, CancellationToken.None);

        count.Should().Be(2);
        buffer[..2].Select(e => e.Name).Should().Equal("a", "c");
        reader.Position.Should().Be(3);
        bad.Should().ContainSingle().Which.Should().Match<ErrorRecordDraft>(d => d.Offset == 1 && d.Reason.Contains("'seq' is NULL") && d.RawPayload.Contains("name=b"));
    }

    [Fact]
    public async Task CreateKeyRangePartitioner_EmptyTable_GivesOneEmptyPartition()
    {
        _db.Execute("CREATE TABLE events (id BIGINT, seq BIGINT, name VARCHAR)");
        var source = Source();

        var partitions = await source.CreateKeyRangePartitioner(4).PlanAsync(new PartitionPlanContext(Run), CancellationToken.None);

        partitions.Should().ContainSingle();
        (await ReadAllAsync(source, partitions[0], 0)).Should().BeEmpty();
    }

    [Fact]
    public async Task SinkThenSource_AllSupportedTypes_RoundTrip()
    {
        var mapping = new DuckDbTableMapping<AllTypes>("all_types").HasKey(x => x.Id).HasColumnType(x => x.Price, "DECIMAL(18,4)");
        var records = Enumerable.Range(0, 50).Select(i => new AllTypes
        {
            Id = i,
            Count = -i,
            Small = (short)(i * 3),
            Ratio = i / 3.0,
            Weight = i / 4f,
            Price = i * 1.0625m,
            Text = "text " + i,
            OptionalText = i % 2 == 0 ? null : "opt" + i,
            Flag = i % 3 == 0,
            Timestamp = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Unspecified).AddSeconds(i * 3661.5),
            Date = new DateOnly(2024, 1, 1).AddDays(i),
            Uuid = new Guid(i, 2, 3, [4, 5, 6, 7, 8, 9, 10, 11]),
            OptionalLong = i % 2 == 0 ? i * 10L : null,
            OptionalDate = i % 2 == 0 ? null : new DateOnly(2000, 1, 1).AddDays(i),
        }).ToArray();
        var sink = new DuckDbSink<AllTypes>(mapping, new DuckDbSinkOptions { ConnectionString = _db.ConnectionString });
        await Fixtures.RunPartitionAsync(sink, Run, new Partition(0, "all", PartitionDescriptor.Keys(0, 50)), records, chunkSize: 20);
        var source = new DuckDbSource<AllTypes>(mapping, new DuckDbSourceOptions { ConnectionString = _db.ConnectionString });

        var read = await ReadAllAsync(source, new Partition(0, "all", PartitionDescriptor.Keys(0, 50)), 0);

        read.Should().BeEquivalentTo(records, o => o.WithStrictOrdering());
        _db.Rows("SELECT data_type FROM information_schema.columns WHERE table_name = 'all_types' AND column_name = 'price'").Should().Equal("DECIMAL(18,4)");
    }

    private DuckDbSource<Event> Source() =>
        new(new DuckDbTableMapping<Event>("events"), new DuckDbSourceOptions { ConnectionString = _db.ConnectionString, KeyColumn = "id", TiebreakColumns = { "seq" } });

    private static async Task<List<T>> ReadAllAsync<T>(ISource<T> source, Partition partition, long position)
    {
        var rows = new List<T>();
        await using var reader = await source.OpenAsync(new SourceContext(Run, partition, position), CancellationToken.None);
        var buffer = new T[16];
        int count;
        while ((count = await reader.ReadAsync(buffer, CancellationToken.None)) > 0)
        {
            rows.AddRange(buffer[..count]);
        }

        return rows;
    }
}
