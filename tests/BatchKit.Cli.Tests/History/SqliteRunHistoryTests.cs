using Microsoft.Data.Sqlite;

namespace BatchKit.Cli.Tests.History;

/// <summary>RunHistory over a SQLite state file, and over the in-memory store (which keeps no attempt records).</summary>
public sealed class SqliteRunHistoryTests : RunHistoryTests
{
    public override Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        return base.DisposeAsync();
    }

    protected override (ICheckpointStore Store, CliStore Cli) CreateStore(string name, TimeProvider? timeProvider)
    {
        var path = Path.Combine(Root, name + ".db");
        return (new SqliteCheckpointStore(path, null, timeProvider), SqliteStoreFixture.For(path));
    }

    [Fact]
    public async Task StoreWithoutHistory_DurationIsFirstStartToLastEnd_AndPartitionTimesAreUnknown()
    {
        await using var store = new InMemoryCheckpointStore(Time);
        var key = await CraftRunAsync(store, 2, (TimeSpan.FromMinutes(4), RunStatus.Failed), (TimeSpan.FromMinutes(7), RunStatus.Completed));
        var history = new RunHistory(store);

        var run = await history.GetRunAsync(key);
        var partitions = await history.GetPartitionsAsync(key);

        ((ICheckpointStore)store).RecordsHistory.Should().BeFalse();
        run!.Duration.Should().Be(TimeSpan.FromMinutes(4 + 60 + 7), "without attempt records the pause between attempts is inside the span");
        run.Attempts.Should().Be(2);
        partitions.Should().BeEmpty();
    }
}
