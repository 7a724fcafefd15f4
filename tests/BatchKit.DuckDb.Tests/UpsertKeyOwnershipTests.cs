using BatchKit.DuckDb;

namespace BatchKit.DuckDb.Tests;

public sealed class UpsertKeyOwnershipTests : IDisposable
{
    private readonly TestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task Upsert_SameKeyFromTwoPartitionsOfOneRun_ThrowsNonTransientNamingShuffleBy()
    {
        var sink = Fixtures.Sink(_db, WriteDisposition.Upsert);
        var runKey = Fixtures.RunKey(Fixtures.Date);
        var rows = Fixtures.Rows(Fixtures.Date, 0, users: 5);
        await Fixtures.RunPartitionAsync(sink, runKey, Fixtures.Bucket(0), rows);

        var second = async () => await Fixtures.RunPartitionAsync(sink, runKey, Fixtures.Bucket(1), rows.Take(3).ToArray());

        var error = (await second.Should().ThrowAsync<BatchKitException>()).Which;
        error.IsTransient.Should().BeFalse();
        error.Message.Should().Contain("ShuffleBy").And.Contain("'hash-0000'").And.Contain("'hash-0001'").And.Contain("daily_aggregates");
        _db.Table("daily_aggregates").Should().HaveCount(rows.Length, "the conflicting chunk was not applied");
    }

    [Fact]
    public async Task Upsert_SameKeyFromOnePartitionRetriedOrFromAnotherRun_IsAccepted()
    {
        var sink = Fixtures.Sink(_db, WriteDisposition.Upsert);
        var rows = Fixtures.Rows(Fixtures.Date, 2, users: 5);
        await Fixtures.RunPartitionAsync(sink, Fixtures.RunKey(Fixtures.Date), Fixtures.Bucket(2), rows);
        await Fixtures.RunPartitionAsync(sink, Fixtures.RunKey(Fixtures.Date), Fixtures.Bucket(2), rows);

        var otherRun = async () => await Fixtures.RunPartitionAsync(sink, new RunKey("nightly-analytics", RunParameters.Of("date", "again")), Fixtures.Bucket(3), rows);

        await otherRun.Should().NotThrowAsync();
    }

    [Fact]
    public async Task RunAsync_AggregatePerNaturalPartitionIntoUpsert_FailsInsteadOfKeepingTheLastPartition()
    {
        var events = Enumerable.Range(0, 4_000).Select(i => (Day: Fixtures.Date.AddDays(i % 3), Amount: 1.0)).ToList();
        var sink = new DuckDbSink<DailyAggregate>(Fixtures.Mapping(), new DuckDbSinkOptions { ConnectionString = _db.ConnectionString, Disposition = WriteDisposition.Upsert });
        await using var store = new InMemoryCheckpointStore();
        var job = Job.Create("nightly-analytics")
            .ReadFrom(EnumerableSource<(DateOnly Day, double Amount)>.FromList(events))
            .PartitionBy(Partitioners.RowRanges(events.Count, 1_000))
            .Aggregate(() => new PerDay())
            .WriteTo(sink)
            .WithParallelism(1)
            .UseCheckpointStore(store)
            .Build();

        var result = await new JobRunner(job).RunAsync(RunParameters.Of("date", Fixtures.Date));

        result.Status.Should().Be(RunStatus.Failed);
        result.Exception!.Message.Should().Contain("ShuffleBy");
    }

    [Fact]
    public async Task Upsert_NullInNotNullColumn_NamesTheTableColumnAndProperty()
    {
        var sink = Fixtures.Sink(_db, WriteDisposition.Upsert);
        var rows = new[] { new DailyAggregate(Fixtures.Date, 0, null!, 1, 1, 1) };

        var write = async () => await Fixtures.RunPartitionAsync(sink, Fixtures.RunKey(Fixtures.Date), Fixtures.Bucket(0), rows);

        var error = (await write.Should().ThrowAsync<BatchKitException>()).Which;
        error.Message.Should().NotContain("bk_stage").And.Contain("'daily_aggregates'").And.Contain("'event_type'").And.Contain("DailyAggregate.EventType");
    }

    private sealed class PerDay : IAggregator<(DateOnly Day, double Amount), DailyAggregate>
    {
        private readonly Dictionary<DateOnly, (long Count, double Amount)> _days = [];

        public void Add((DateOnly Day, double Amount) record)
        {
            var (count, amount) = _days.GetValueOrDefault(record.Day);
            _days[record.Day] = (count + 1, amount + record.Amount);
        }

        public IEnumerable<DailyAggregate> Complete() =>
            _days.Select(d => new DailyAggregate(d.Key, 0, "all", 0, d.Value.Count, d.Value.Amount));
    }
}
