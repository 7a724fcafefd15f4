namespace BatchKit.DuckDb.Tests;

/// <summary>
/// Upsert stages each commit in an epoch-named Parquet file outside the warehouse and merges the partition once, at
/// its completion: what a resumed attempt keeps, what it ignores, and when the table changes.
/// </summary>
public sealed class UpsertStagingTests : IDisposable
{
    private readonly TestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task Upsert_CommittedChunks_AreInTheTableOnlyAfterCompletion()
    {
        var sink = Fixtures.Sink(_db, WriteDisposition.Upsert);
        var rows = Fixtures.Rows(Fixtures.Date, 4, users: 20);

        await Fixtures.RunPartitionAsync(sink, Fixtures.RunKey(Fixtures.Date), Fixtures.Bucket(4), rows, chunkSize: 50, complete: false);

        _db.StagedRows().Should().Be(rows.Length);
        _db.Count("SELECT count(*) FROM daily_aggregates").Should().Be(0);
        await Fixtures.RunPartitionAsync(sink, Fixtures.RunKey(Fixtures.Date), Fixtures.Bucket(4), rows, chunkSize: 50);
        _db.Table("daily_aggregates").Should().Equal(Expected(rows));
        _db.StagedRows().Should().Be(0);
    }

    [Fact]
    public async Task Upsert_RepeatedKeyAcrossCommits_LastRecordInInputOrderWins()
    {
        var sink = Fixtures.Sink(_db, WriteDisposition.Upsert);
        var first = new DailyAggregate(Fixtures.Date, 5, "click", 1, 1, 1);
        var filler = Fixtures.Rows(Fixtures.Date, 5, users: 3).Where(r => r.EventType != "click").ToArray();
        var last = first with { EventCount = 9, Amount = 9 };

        await Fixtures.RunPartitionAsync(sink, Fixtures.RunKey(Fixtures.Date), Fixtures.Bucket(5), [first, .. filler, first with { EventCount = 2 }, last], chunkSize: 7);

        _db.Rows("SELECT event_count FROM daily_aggregates WHERE user_id = 5 AND event_type = 'click' AND hour = 1").Should().Equal("9");
        _db.Count("SELECT count(*) FROM daily_aggregates").Should().Be(filler.Length + 1);
    }

    [Fact]
    public async Task Upsert_TakeoverResumesAtCheckpoint_KeepsCommittedPrefixAndIgnoresStaleEpochFiles()
    {
        var rows = Fixtures.Rows(Fixtures.Date, 1, users: 30);
        var runKey = Fixtures.RunKey(Fixtures.Date);
        var partition = Fixtures.Bucket(1);
        var sink = Fixtures.Sink(_db, WriteDisposition.Upsert);

        // Epoch 1 commits two chunks (the checkpoint says 100) and a third whose checkpoint was never written.
        await using var paused = await sink.OpenAsync(new SinkContext(runKey, partition, null) { Fence = Fixtures.Token(1, "paused") }, CancellationToken.None);
        foreach (var chunk in rows[..150].Chunk(50))
        {
            await paused.WriteAsync(chunk, CancellationToken.None);
            await paused.CommitAsync(CancellationToken.None);
        }

        // Epoch 2 takes over at the checkpoint; then the paused epoch wakes and stages rows the run never had.
        await using var taker = await sink.OpenAsync(new SinkContext(runKey, partition, 100) { Fence = Fixtures.Token(2, "taker") }, CancellationToken.None);
        var foreign = Fixtures.Rows(Fixtures.Date, 1, users: 45, seed: 700)[rows.Length..];
        await paused.WriteAsync(foreign, CancellationToken.None);
        await paused.CommitAsync(CancellationToken.None);
        foreach (var chunk in rows[100..].Chunk(50))
        {
            await taker.WriteAsync(chunk, CancellationToken.None);
            await taker.CommitAsync(CancellationToken.None);
        }

        await taker.CompleteAsync(CancellationToken.None);
        var complete = async () => await paused.CompleteAsync(CancellationToken.None);

        _db.Table("daily_aggregates").Should().Equal(Expected(rows), "the prefix of epoch 1 and the rest of epoch 2, without the stale file");
        (await complete.Should().ThrowAsync<LeaseLostException>()).Which.Message.Should().Contain("epoch 2");
        _db.Table("daily_aggregates").Should().Equal(Expected(rows));
    }

    [Fact]
    public async Task Upsert_ResumeAfterMergeBeforeCompletionWasRecorded_KeepsTheTable()
    {
        var rows = Fixtures.Rows(Fixtures.Date, 6, users: 10);
        var runKey = Fixtures.RunKey(Fixtures.Date);
        var sink = Fixtures.Sink(_db, WriteDisposition.Upsert);
        var position = await Fixtures.RunPartitionAsync(sink, runKey, Fixtures.Bucket(6), rows, chunkSize: 40);

        // Another process resumes the partition at its last checkpoint: the merged files are gone, the merge is recorded.
        var resumed = Fixtures.Sink(_db, WriteDisposition.Upsert);
        await Fixtures.RunPartitionAsync(resumed, runKey, Fixtures.Bucket(6), [], resume: position);

        _db.Table("daily_aggregates").Should().Equal(Expected(rows));
    }

    [Fact]
    public async Task Upsert_ResumeWithStagedPrefixMissing_FailsNamingTheFolder()
    {
        var rows = Fixtures.Rows(Fixtures.Date, 2, users: 10);
        var runKey = Fixtures.RunKey(Fixtures.Date);
        var sink = Fixtures.Sink(_db, WriteDisposition.Upsert);
        var position = await Fixtures.RunPartitionAsync(sink, runKey, Fixtures.Bucket(2), rows, chunkSize: 40, complete: false);
        var staging = Path.Combine(Path.GetDirectoryName(_db.ConnectionString["Data Source=".Length..])!, "test.duckdb.bk-staging");
        foreach (var file in Directory.GetFiles(staging, "000000000000-*.parquet", SearchOption.AllDirectories))
        {
            File.Delete(file);
        }

        var resume = async () => await Fixtures.RunPartitionAsync(Fixtures.Sink(_db, WriteDisposition.Upsert), runKey, Fixtures.Bucket(2), [], resume: position);

        var error = (await resume.Should().ThrowAsync<BatchKitException>()).Which;
        error.IsTransient.Should().BeFalse();
        error.Message.Should().Contain("hash-0002").And.Contain($"records 0 to {position - 1}").And.Contain("test.duckdb.bk-staging");
        _db.Count("SELECT count(*) FROM daily_aggregates").Should().Be(0);
    }

    private static List<string> Expected(IEnumerable<DailyAggregate> rows)
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
