namespace BatchKit.DuckDb.Tests;

/// <summary>Storage-side fencing: a writer whose epoch is lower than one recorded in the DuckDB file cannot change it.</summary>
public sealed class DuckDbSinkFencingTests : IDisposable
{
    private readonly TestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task Upsert_StaleEpochCompletesAfterLaterEpoch_ThrowsLeaseLostAndLeavesTable()
    {
        var sink = Fixtures.Sink(_db, WriteDisposition.Upsert);
        var runKey = Fixtures.RunKey(Fixtures.Date);
        var partition = Fixtures.Bucket(2);
        await using var stale = await sink.OpenAsync(new SinkContext(runKey, partition, null) { Fence = Fixtures.Token(1, "paused") }, CancellationToken.None);
        await Fixtures.RunPartitionAsync(sink, runKey, partition, Fixtures.Rows(Fixtures.Date, 2, users: 10), fence: Fixtures.Token(2, "taker"));
        var before = _db.Table("daily_aggregates");

        var write = async () =>
        {
            await stale.WriteAsync(Fixtures.Rows(Fixtures.Date, 2, users: 10, seed: 500), CancellationToken.None);
            await stale.CommitAsync(CancellationToken.None);
            await stale.CompleteAsync(CancellationToken.None);
        };

        var thrown = (await write.Should().ThrowAsync<LeaseLostException>()).Which;
        thrown.IsTransient.Should().BeFalse();
        thrown.Message.Should().Contain("daily_aggregates").And.Contain("epoch 1").And.Contain("epoch 2").And.Contain(runKey.ToString());
        _db.Table("daily_aggregates").Should().Equal(before);
    }

    [Fact]
    public async Task ReplacePartition_StaleEpochCompletesAfterLaterEpoch_ThrowsLeaseLostAndLeavesTable()
    {
        var sink = Fixtures.Sink(_db, WriteDisposition.ReplacePartition);
        var runKey = Fixtures.RunKey(Fixtures.Date);
        var partition = Fixtures.Bucket(4);
        await using var stale = await sink.OpenAsync(new SinkContext(runKey, partition, null) { Fence = Fixtures.Token(1, "paused") }, CancellationToken.None);
        await Fixtures.RunPartitionAsync(sink, runKey, partition, Fixtures.Rows(Fixtures.Date, 4, users: 10), fence: Fixtures.Token(2, "taker"));
        var before = _db.Table("daily_aggregates");

        var write = async () =>
        {
            await stale.WriteAsync(Fixtures.Rows(Fixtures.Date, 4, users: 3, seed: 500), CancellationToken.None);
            await stale.CommitAsync(CancellationToken.None);
            await stale.CompleteAsync(CancellationToken.None);
        };

        var thrown = (await write.Should().ThrowAsync<LeaseLostException>()).Which;
        thrown.IsTransient.Should().BeFalse();
        thrown.Message.Should().Contain("daily_aggregates").And.Contain("epoch 1").And.Contain("epoch 2");
        _db.Table("daily_aggregates").Should().Equal(before);
    }

    [Fact]
    public async Task ReplacePartition_StaleEpochReopensPartition_ThrowsLeaseLostAndKeepsStagedRows()
    {
        var sink = Fixtures.Sink(_db, WriteDisposition.ReplacePartition, runSlice: true);
        var runKey = Fixtures.RunKey(Fixtures.Date);
        var partition = Fixtures.Bucket(1);
        var rows = Fixtures.Rows(Fixtures.Date, 1, users: 5);
        await Fixtures.RunPartitionAsync(sink, runKey, partition, rows, fence: Fixtures.Token(2, "taker"));

        var open = async () => await Fixtures.RunPartitionAsync(sink, runKey, partition, rows, fence: Fixtures.Token(1, "paused"));

        await open.Should().ThrowAsync<LeaseLostException>();
        _db.StagedRows().Should().Be(rows.Length);
    }

    [Fact]
    public async Task RunSlice_StaleEpochPublishesAfterLaterEpoch_ThrowsLeaseLostAndLeavesTable()
    {
        var sink = Fixtures.Sink(_db, WriteDisposition.ReplacePartition, runSlice: true);
        var runKey = Fixtures.RunKey(Fixtures.Date);
        var partitions = new[] { Fixtures.Bucket(0), Fixtures.Bucket(1) };
        foreach (var p in partitions)
        {
            await Fixtures.RunPartitionAsync(sink, runKey, p, Fixtures.Rows(Fixtures.Date, p.Index, users: 5), fence: Fixtures.Token(2, "taker"));
        }

        await sink.CompleteRunAsync(new RunCompletionContext(runKey, partitions) { Fence = Fixtures.Token(2, "taker") }, CancellationToken.None);
        var before = _db.Table("daily_aggregates");
        before.Should().NotBeEmpty();

        var publish = async () => await sink.CompleteRunAsync(new RunCompletionContext(runKey, partitions) { Fence = Fixtures.Token(1, "paused") }, CancellationToken.None);

        var thrown = (await publish.Should().ThrowAsync<LeaseLostException>()).Which;
        thrown.IsTransient.Should().BeFalse();
        thrown.Message.Should().Contain("daily_aggregates").And.Contain("epoch 1").And.Contain("epoch 2");
        _db.Table("daily_aggregates").Should().Equal(before);
    }
}
