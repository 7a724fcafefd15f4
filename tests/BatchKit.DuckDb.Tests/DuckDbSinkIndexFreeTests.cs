namespace BatchKit.DuckDb.Tests;

/// <summary>ReplacePartition creates the table without a primary key by default and checks the key's uniqueness itself.</summary>
public sealed class DuckDbSinkIndexFreeTests : IDisposable
{
    private const string PrimaryKeys = "SELECT constraint_text FROM duckdb_constraints() WHERE table_name = 'daily_aggregates' AND constraint_type = 'PRIMARY KEY'";

    private readonly TestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task ReplacePartition_Default_CreatesTableWithoutPrimaryKeyAndPublishes()
    {
        var sink = Fixtures.Sink(_db, WriteDisposition.ReplacePartition, runSlice: true);
        var runKey = Fixtures.RunKey(Fixtures.Date);
        var partitions = new[] { Fixtures.Bucket(0), Fixtures.Bucket(1) };
        var rows = partitions.SelectMany(p => Fixtures.Rows(Fixtures.Date, p.Index, users: 20)).ToArray();
        foreach (var p in partitions)
        {
            await Fixtures.RunPartitionAsync(sink, runKey, p, Fixtures.Rows(Fixtures.Date, p.Index, users: 20), fence: Fixtures.Token(1));
        }

        await sink.CompleteRunAsync(new RunCompletionContext(runKey, partitions) { Fence = Fixtures.Token(1) }, CancellationToken.None);

        _db.Rows(PrimaryKeys).Should().BeEmpty();
        _db.Count("SELECT count(*) FROM daily_aggregates").Should().Be(rows.Length);
        _db.Count("SELECT count(DISTINCT (event_date, user_id, event_type, hour)) FROM daily_aggregates").Should().Be(rows.Length);
    }

    [Fact]
    public async Task ReplacePartition_CreatePrimaryKey_CreatesTableWithKey()
    {
        var sink = new DuckDbSink<DailyAggregate>(Fixtures.Mapping(), new DuckDbSinkOptions
        {
            ConnectionString = _db.ConnectionString,
            Disposition = WriteDisposition.ReplacePartition,
            Slice = _ => DuckDbSlice.Where("true"),
            CreatePrimaryKey = true,
        });

        await Fixtures.RunPartitionAsync(sink, Fixtures.RunKey(Fixtures.Date), Fixtures.Bucket(0), Fixtures.Rows(Fixtures.Date, 0, users: 3));

        _db.Rows(PrimaryKeys).Should().ContainSingle().Which.Should().Contain("event_date").And.Contain("hour");
    }

    [Fact]
    public async Task RunSlice_KeyStagedTwice_FailsNamingTheKeyAndLeavesTable()
    {
        var sink = Fixtures.Sink(_db, WriteDisposition.ReplacePartition, runSlice: true);
        var runKey = Fixtures.RunKey(Fixtures.Date);
        var partition = Fixtures.Bucket(0);
        var rows = Fixtures.Rows(Fixtures.Date, 0, users: 10);
        var twice = rows.Append(rows[5] with { EventCount = 999 }).ToArray();
        await Fixtures.RunPartitionAsync(sink, runKey, partition, twice, fence: Fixtures.Token(1));

        var publish = async () => await sink.CompleteRunAsync(new RunCompletionContext(runKey, [partition]) { Fence = Fixtures.Token(1) }, CancellationToken.None);

        var thrown = (await publish.Should().ThrowAsync<InvalidDataException>()).Which;
        thrown.Message.Should().Contain("1 rows that repeat a key").And.Contain("daily_aggregates").And.Contain(rows[5].UserId + ", " + rows[5].EventType).And.Contain("(2 times)");
        _db.Count("SELECT count(*) FROM daily_aggregates").Should().Be(0);
    }

    [Fact]
    public void Upsert_CreatePrimaryKeyFalse_IsRejected()
    {
        var act = () => new DuckDbSink<DailyAggregate>(Fixtures.Mapping(), new DuckDbSinkOptions
        {
            ConnectionString = _db.ConnectionString,
            Disposition = WriteDisposition.Upsert,
            CreatePrimaryKey = false,
        });

        act.Should().Throw<ArgumentException>().WithMessage("*CreatePrimaryKey*");
    }
}
