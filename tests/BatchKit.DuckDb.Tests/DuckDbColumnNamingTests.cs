namespace BatchKit.DuckDb.Tests;

public sealed class DuckDbColumnNamingTests : IDisposable
{
    private readonly TestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Theory]
    [InlineData(ColumnNaming.SnakeCase, "event_date,user_id,event_type,hour,event_count,amount")]
    [InlineData(ColumnNaming.Exact, "EventDate,UserId,EventType,Hour,EventCount,Amount")]
    public async Task Upsert_ColumnNamingPolicy_CreatesAndFillsTableWithThoseNames(ColumnNaming naming, string expected)
    {
        var mapping = Fixtures.Mapping().UseColumnNaming(naming);
        var sink = new DuckDbSink<DailyAggregate>(mapping, new DuckDbSinkOptions { ConnectionString = _db.ConnectionString, Disposition = WriteDisposition.Upsert });
        var rows = Fixtures.Rows(Fixtures.Date, 2, users: 5);

        await Fixtures.RunPartitionAsync(sink, Fixtures.RunKey(Fixtures.Date), Fixtures.Bucket(2), rows);

        _db.Rows("SELECT column_name FROM information_schema.columns WHERE table_name = 'daily_aggregates'")
            .Should().BeEquivalentTo(expected.Split(','));
        _db.Count("SELECT count(*) FROM daily_aggregates").Should().Be(rows.Length);
        var userId = naming == ColumnNaming.Exact ? "\"UserId\"" : "user_id";
        _db.Count($"SELECT sum({userId})::BIGINT FROM daily_aggregates").Should().Be(rows.Sum(r => r.UserId));
    }

    [Fact]
    public void ToCreateTableSql_ExactPolicyWithExplicitName_ExplicitNameWins()
    {
        var sql = Fixtures.Mapping().UseColumnNaming(ColumnNaming.Exact).HasColumnName(x => x.EventCount, "events").ToCreateTableSql();

        sql.Should().Contain("\"EventDate\" DATE NOT NULL").And.Contain("\"events\" BIGINT NOT NULL").And.NotContain("event_count");
    }
}
