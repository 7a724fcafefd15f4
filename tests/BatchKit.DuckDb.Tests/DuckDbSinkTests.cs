namespace BatchKit.DuckDb.Tests;

public sealed class DuckDbSinkTests : IDisposable
{
    private readonly TestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task OpenAsync_TableAbsent_CreatesTableFromType()
    {
        var sink = Fixtures.Sink(_db, WriteDisposition.Upsert);

        await using (await sink.OpenAsync(new SinkContext(Fixtures.RunKey(Fixtures.Date), Fixtures.Bucket(0), null), CancellationToken.None))
        {
        }

        _db.Rows("SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = 'daily_aggregates'")
            .Should().BeEquivalentTo(
                "event_date|DATE|NO", "user_id|BIGINT|NO", "event_type|VARCHAR|NO", "hour|INTEGER|NO", "event_count|BIGINT|NO", "amount|DOUBLE|NO");
        _db.Rows("SELECT constraint_text FROM duckdb_constraints() WHERE table_name = 'daily_aggregates' AND constraint_type = 'PRIMARY KEY'")
            .Should().ContainSingle().Which.Should().Contain("event_date").And.Contain("user_id").And.Contain("event_type").And.Contain("hour");
    }

    [Fact]
    public async Task OpenAsync_ExistingTableLacksColumn_ThrowsNamingColumn()
    {
        _db.Execute("CREATE TABLE daily_aggregates (event_date DATE, user_id BIGINT)");
        var sink = Fixtures.Sink(_db, WriteDisposition.Upsert);

        var open = async () => await sink.OpenAsync(new SinkContext(Fixtures.RunKey(Fixtures.Date), Fixtures.Bucket(0), null), CancellationToken.None);

        (await open.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("'event_type' (VARCHAR)").And.Contain("'user_id'");
    }

    [Fact]
    public async Task Upsert_SameChunkTwice_GivesIdenticalTable()
    {
        var sink = Fixtures.Sink(_db, WriteDisposition.Upsert);
        var rows = Fixtures.Rows(Fixtures.Date, 3, users: 50);
        var runKey = Fixtures.RunKey(Fixtures.Date);

        await Fixtures.RunPartitionAsync(sink, runKey, Fixtures.Bucket(3), rows, chunkSize: 64);
        var once = _db.Table("daily_aggregates");
        await Fixtures.RunPartitionAsync(sink, runKey, Fixtures.Bucket(3), rows, chunkSize: 64);

        once.Should().HaveCount(rows.Length);
        _db.Table("daily_aggregates").Should().Equal(once);
    }

    [Fact]
    public async Task Upsert_ChangedNonKeyValues_UpdatesRows()
    {
        var sink = Fixtures.Sink(_db, WriteDisposition.Upsert);
        var runKey = Fixtures.RunKey(Fixtures.Date);
        await Fixtures.RunPartitionAsync(sink, runKey, Fixtures.Bucket(1), Fixtures.Rows(Fixtures.Date, 1, users: 10));

        var changed = Fixtures.Rows(Fixtures.Date, 1, users: 10, seed: 1000);
        await Fixtures.RunPartitionAsync(sink, runKey, Fixtures.Bucket(1), changed);

        _db.Count("SELECT count(*) FROM daily_aggregates").Should().Be(changed.Length);
        _db.Count("SELECT min(event_count) FROM daily_aggregates").Should().Be(1001);
        _db.Table("daily_aggregates").Should().Equal(Expected(changed));
    }

    [Fact]
    public async Task Upsert_RepeatedKeyWithinCommit_LastRecordWins()
    {
        var sink = Fixtures.Sink(_db, WriteDisposition.Upsert);
        var first = new DailyAggregate(Fixtures.Date, 5, "click", 1, 1, 1);
        var last = first with { EventCount = 3, Amount = 3 };

        await Fixtures.RunPartitionAsync(sink, Fixtures.RunKey(Fixtures.Date), Fixtures.Bucket(5), [first, first with { EventCount = 2 }, last]);

        _db.Table("daily_aggregates").Should().Equal(Expected([last]));
    }

    [Fact]
    public async Task ReplacePartition_Rerun_ReplacesOnlyItsSlice()
    {
        var sink = Fixtures.Sink(_db, WriteDisposition.ReplacePartition);
        var runKey = Fixtures.RunKey(Fixtures.Date);
        var otherDay = Fixtures.Date.AddDays(-1);
        await Fixtures.RunPartitionAsync(sink, Fixtures.RunKey(otherDay), Fixtures.Bucket(2), Fixtures.Rows(otherDay, 2, users: 5));
        await Fixtures.RunPartitionAsync(sink, runKey, Fixtures.Bucket(2), Fixtures.Rows(Fixtures.Date, 2, users: 20));
        await Fixtures.RunPartitionAsync(sink, runKey, Fixtures.Bucket(4), Fixtures.Rows(Fixtures.Date, 4, users: 20));

        var smaller = Fixtures.Rows(Fixtures.Date, 2, users: 7, seed: 500);
        await Fixtures.RunPartitionAsync(sink, runKey, Fixtures.Bucket(2), smaller);

        _db.Table("daily_aggregates").Should().Equal(Expected(
            [.. Fixtures.Rows(otherDay, 2, users: 5), .. Fixtures.Rows(Fixtures.Date, 4, users: 20), .. smaller]));
        _db.StagedRows().Should().Be(0);
    }

    [Fact]
    public async Task ReplacePartition_CrashBeforeComplete_RestartEqualsCleanRun()
    {
        var rows = Fixtures.Rows(Fixtures.Date, 6, users: 30);
        var runKey = Fixtures.RunKey(Fixtures.Date);
        using (var clean = new TestDatabase())
        {
            await Fixtures.RunPartitionAsync(Fixtures.Sink(clean, WriteDisposition.ReplacePartition), runKey, Fixtures.Bucket(6), rows);
            var expected = clean.Table("daily_aggregates");

            var sink = Fixtures.Sink(_db, WriteDisposition.ReplacePartition);
            await Fixtures.RunPartitionAsync(sink, runKey, Fixtures.Bucket(6), rows[..200], chunkSize: 50, complete: false);
            _db.StagedRows().Should().Be(200);
            _db.Count("SELECT count(*) FROM daily_aggregates").Should().Be(0);

            await Fixtures.RunPartitionAsync(sink, runKey, Fixtures.Bucket(6), rows, chunkSize: 50, resume: null);

            _db.Table("daily_aggregates").Should().Equal(expected);
        }
    }

    [Fact]
    public async Task ReplacePartition_ResumeFromCheckpoint_DropsRowsStagedAfterIt()
    {
        var rows = Fixtures.Rows(Fixtures.Date, 1, users: 30);
        var runKey = Fixtures.RunKey(Fixtures.Date);
        var sink = Fixtures.Sink(_db, WriteDisposition.ReplacePartition);
        var checkpoint = await Fixtures.RunPartitionAsync(sink, runKey, Fixtures.Bucket(1), rows[..100], chunkSize: 50, complete: false);
        // A chunk committed by the sink whose checkpoint was never written: the resumed attempt replays it.
        await Fixtures.RunPartitionAsync(sink, runKey, Fixtures.Bucket(1), rows[100..150], resume: checkpoint, complete: false);

        await Fixtures.RunPartitionAsync(sink, runKey, Fixtures.Bucket(1), rows[100..], chunkSize: 50, resume: checkpoint);

        checkpoint.Should().Be(100);
        _db.Table("daily_aggregates").Should().Equal(Expected(rows));
    }

    [Fact]
    public async Task CompleteAsync_Repeated_GivesSameTable()
    {
        var rows = Fixtures.Rows(Fixtures.Date, 0, users: 25);
        var runKey = Fixtures.RunKey(Fixtures.Date);
        var sink = Fixtures.Sink(_db, WriteDisposition.ReplacePartition);
        var context = new SinkContext(runKey, Fixtures.Bucket(0), null);
        long position;
        await using (var writer = await sink.OpenAsync(context, CancellationToken.None))
        {
            await writer.WriteAsync(rows, CancellationToken.None);
            position = await writer.CommitAsync(CancellationToken.None);
            await writer.CompleteAsync(CancellationToken.None);
            await writer.CompleteAsync(CancellationToken.None);
        }

        var once = _db.Table("daily_aggregates");

        // A crash after completion but before the partition was marked completed: the executor resumes from the last checkpoint.
        await Fixtures.RunPartitionAsync(sink, runKey, Fixtures.Bucket(0), [], resume: position);

        once.Should().Equal(Expected(rows));
        _db.Table("daily_aggregates").Should().Equal(once);
    }

    [Fact]
    public async Task CompleteAsync_RowOutsideSlice_ThrowsAndLeavesTarget()
    {
        var sink = Fixtures.Sink(_db, WriteDisposition.ReplacePartition);
        var runKey = Fixtures.RunKey(Fixtures.Date);
        await Fixtures.RunPartitionAsync(sink, runKey, Fixtures.Bucket(3), Fixtures.Rows(Fixtures.Date, 3, users: 2));
        var before = _db.Table("daily_aggregates");

        var wrong = async () => await Fixtures.RunPartitionAsync(sink, runKey, Fixtures.Bucket(3), [new DailyAggregate(Fixtures.Date, 4, "click", 0, 1, 1)]);

        (await wrong.Should().ThrowAsync<InvalidDataException>()).Which.Message.Should().Contain("outside its slice").And.Contain("hash-0003");
        _db.Table("daily_aggregates").Should().Equal(before);
    }

    [Theory]
    [InlineData(WriteDisposition.Upsert)]
    [InlineData(WriteDisposition.ReplacePartition)]
    public async Task OpenAsync_EightPartitionsInParallel_WritesEveryRowOnce(WriteDisposition disposition)
    {
        var sink = Fixtures.Sink(_db, disposition);
        var runKey = Fixtures.RunKey(Fixtures.Date);
        var all = Enumerable.Range(0, Fixtures.Buckets).Select(b => Fixtures.Rows(Fixtures.Date, b, users: 100)).ToArray();

        await Task.WhenAll(Enumerable.Range(0, Fixtures.Buckets).Select(b =>
            Task.Run(() => Fixtures.RunPartitionAsync(sink, runKey, Fixtures.Bucket(b), all[b], chunkSize: 128))));
        await Task.WhenAll(Enumerable.Range(0, Fixtures.Buckets).Select(b =>
            Task.Run(() => Fixtures.RunPartitionAsync(sink, runKey, Fixtures.Bucket(b), all[b], chunkSize: 128))));

        _db.Table("daily_aggregates").Should().Equal(Expected(all.SelectMany(r => r)));
    }

    [Fact]
    public void Constructor_InvalidOptions_ThrowsNamingProblem()
    {
        var noKey = () => new DuckDbSink<DailyAggregate>(new DuckDbTableMapping<DailyAggregate>("t"), new DuckDbSinkOptions { ConnectionString = _db.ConnectionString });
        var noSlice = () => new DuckDbSink<DailyAggregate>(
            Fixtures.Mapping(), new DuckDbSinkOptions { ConnectionString = _db.ConnectionString, Disposition = WriteDisposition.ReplacePartition });
        var append = () => new DuckDbSink<DailyAggregate>(
            Fixtures.Mapping(), new DuckDbSinkOptions { ConnectionString = _db.ConnectionString, Disposition = WriteDisposition.Append });

        noKey.Should().Throw<ArgumentException>().WithMessage("*HasKey*");
        noSlice.Should().Throw<ArgumentException>().WithMessage("*Slice*");
        append.Should().Throw<ArgumentException>().WithMessage("*Append*");
    }

    private List<string> Expected(IEnumerable<DailyAggregate> rows)
    {
        using var expected = new TestDatabase();
        expected.Execute("CREATE TABLE e (event_date DATE, user_id BIGINT, event_type VARCHAR, hour INTEGER, event_count BIGINT, amount DOUBLE)");
        var values = string.Join(", ", rows.Select(r => string.Create(
            System.Globalization.CultureInfo.InvariantCulture, $"('{r.EventDate:yyyy-MM-dd}', {r.UserId}, '{r.EventType}', {r.Hour}, {r.EventCount}, {r.Amount:R})")));
        if (values.Length > 0)
        {
            expected.Execute("INSERT INTO e VALUES " + values);
        }

        return expected.Table("e");
    }
}
