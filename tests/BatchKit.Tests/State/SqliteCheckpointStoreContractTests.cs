using System.Diagnostics;
using BatchKit;
using BatchKit.Testing;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace BatchKit.Tests.State;

public sealed class SqliteCheckpointStoreContractTests : CheckpointStoreContract, IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "batchkit-state-" + Guid.NewGuid().ToString("N"));
    private readonly ITestOutputHelper _output;

    public SqliteCheckpointStoreContractTests(ITestOutputHelper output) => _output = output;

    private string DatabasePath => Path.Combine(_directory, "nested", "state.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    protected override ICheckpointStore CreateStore(TimeProvider timeProvider) => new SqliteCheckpointStore(DatabasePath, timeProvider: timeProvider);

    [Fact]
    public async Task Constructor_MissingDirectory_CreatesFileInWalModeWithSchemaVersion()
    {
        await using (var store = new SqliteCheckpointStore(DatabasePath))
        {
            store.Path.Should().Be(Path.GetFullPath(DatabasePath));
        }

        File.Exists(DatabasePath).Should().BeTrue();
        Scalar("PRAGMA journal_mode;").Should().Be("wal");
        Convert.ToInt32(Scalar("PRAGMA user_version;")).Should().BeGreaterThan(0);
        Convert.ToInt32(Scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('runs', 'partition_plans', 'plan_partitions', 'partition_states', 'checkpoints', 'stages', 'error_records', 'effects');"))
            .Should().Be(8);
    }

    [Fact]
    public async Task Constructor_ReopenedFile_KeepsRunsPlansCheckpointsAndErrors()
    {
        var key = Key();
        RunLease lease;
        await using (var first = new SqliteCheckpointStore(DatabasePath, timeProvider: Time))
        {
            (lease, _) = await first.AcquireRunAsync(key, "worker-a", LeaseDuration, default);
            await first.SavePlanAsync(lease, Plan(2), default);
            await first.CommitChunkAsync(await PartitionLeaseAsync(first, lease, "hash-0001"), Checkpoint("hash-0001", 500, 499, 1), [Error(key, "hash-0001", 42)], default);
            await first.CompleteStageAsync(lease, "extract", default);
        }

        await using var reopened = new SqliteCheckpointStore(DatabasePath, timeProvider: Time);

        var run = await reopened.GetRunAsync(key.Value, default);
        run!.LeaseOwner.Should().Be("worker-a");
        (await reopened.GetPlanAsync(key.Value, default))!.Partitions.Should().Equal(Plan(2).Partitions);
        (await reopened.GetCheckpointAsync(key.Value, "hash-0001", default)).Should().Be(Checkpoint("hash-0001", 500, 499, 1));
        (await reopened.QueryErrorsAsync(new ErrorQuery(key.Value), default)).Should().ContainSingle().Which.Should().Be(Error(key, "hash-0001", 42));
        (await reopened.IsStageCompletedAsync(key.Value, "extract", default)).Should().BeTrue();
        await reopened.CommitChunkAsync(await PartitionLeaseAsync(reopened, lease, "hash-0001"), Checkpoint("hash-0001", 600), [], default);
        (await reopened.GetCheckpointAsync(key.Value, "hash-0001", default))!.RecordsRead.Should().Be(600);
    }

    [Fact]
    public async Task Constructor_FileAtHistorySchemaVersion4_MigratesToPartitionLeasesKeepingRunsAndEpochs()
    {
        // A file written by the version of BatchKit whose schema 4 added the run history, before partition leases.
        var key = Key();
        await using (var first = new SqliteCheckpointStore(DatabasePath, timeProvider: Time))
        {
            var (lease, _) = await first.AcquireRunAsync(key, "worker-a", LeaseDuration, default);
            await first.SavePlanAsync(lease, Plan(2), default);
            await first.SetRunStatusAsync(lease, RunStatus.Failed, "boom", release: true, default);
        }

        SqliteConnection.ClearAllPools();
        Scalar(
            """
            DROP INDEX ix_partition_states_claim;
            ALTER TABLE partition_states DROP COLUMN lease_owner;
            ALTER TABLE partition_states DROP COLUMN lease_epoch;
            ALTER TABLE partition_states DROP COLUMN lease_expires_at;
            ALTER TABLE partition_plans DROP COLUMN barrier;
            ALTER TABLE runs DROP COLUMN partition_epoch_floor;
            ALTER TABLE runs DROP COLUMN cancel_requested_at;
            ALTER TABLE runs DROP COLUMN cancel_requested_by;
            DROP TABLE run_notifications;
            ALTER TABLE run_attempts DROP COLUMN reconciled;
            PRAGMA user_version = 4;
            """);
        Convert.ToInt32(Scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('run_attempts', 'partition_attempts', 'sla_results');")).Should().Be(3);

        await using var reopened = new SqliteCheckpointStore(DatabasePath, timeProvider: Time);

        Convert.ToInt32(Scalar("PRAGMA user_version;")).Should().Be(8);
        (await reopened.GetPlanAsync(key.Value, default))!.Partitions.Should().Equal(Plan(2).Partitions);
        var (runLease, run) = await reopened.AcquireRunAsync(key, "worker-b", LeaseDuration, default);
        run.Status.Should().Be(RunStatus.Failed);
        await reopened.SetRunStatusAsync(runLease, RunStatus.Running, null, release: true, default);
        var claimed = await reopened.ClaimPartitionAsync(new PartitionClaim(key.Value, "worker-b", LeaseDuration), default);
        claimed.Should().NotBeNull();
        claimed!.Epoch.Should().BeGreaterThan(run.LeaseEpoch, "partitions start at their run's last epoch, so fences recorded under the run lease keep refusing older writers");
        await reopened.CommitChunkAsync(claimed, Checkpoint(claimed.PartitionId, 10), [], default);
        (await reopened.GetCheckpointAsync(key.Value, claimed.PartitionId, default))!.RecordsRead.Should().Be(10);
        (await reopened.ListRunAttemptsAsync(key.Value, default)).Should().BeEmpty();
    }

    [Fact]
    public async Task Constructor_FileAtPartitionLeaseSchemaVersion5_MigratesToNotificationsKeepingRuns()
    {
        // A file written before run completion notifications (schema 5).
        var key = Key();
        await using (var first = new SqliteCheckpointStore(DatabasePath, timeProvider: Time))
        {
            var (lease, _) = await first.AcquireRunAsync(key, "worker-a", LeaseDuration, default);
            await first.SetRunStatusAsync(lease, RunStatus.Completed, null, release: true, default);
        }

        SqliteConnection.ClearAllPools();
        Scalar("DROP TABLE run_notifications; ALTER TABLE runs DROP COLUMN cancel_requested_at; ALTER TABLE runs DROP COLUMN cancel_requested_by; ALTER TABLE run_attempts DROP COLUMN reconciled; PRAGMA user_version = 5;");

        await using var reopened = new SqliteCheckpointStore(DatabasePath, timeProvider: Time);

        Convert.ToInt32(Scalar("PRAGMA user_version;")).Should().Be(8);
        (await reopened.GetRunAsync(key.Value, default))!.Status.Should().Be(RunStatus.Completed);
        (await reopened.GetNotificationAsync(key.Value, default)).Should().BeNull("a run completed before notifications existed has none recorded");
        var notification = new RunNotification(key.Value, key.Value + ":1", "{}", Time.GetUtcNow(), null, 0, null);
        await reopened.SaveNotificationAsync(notification, default);
        (await reopened.GetNotificationAsync(key.Value, default)).Should().Be(notification);
    }

    [Fact]
    public async Task Constructor_FileAtNotificationSchemaVersion6_MigratesToCancellationRequestsKeepingRuns()
    {
        // A file written before cancellation requests (schema 6).
        var key = Key();
        await using (var first = new SqliteCheckpointStore(DatabasePath, timeProvider: Time))
        {
            var (lease, _) = await first.AcquireRunAsync(key, "worker-a", LeaseDuration, default);
            await first.SavePlanAsync(lease, Plan(2), default);
            await first.SetRunStatusAsync(lease, RunStatus.Failed, "boom", release: true, default);
        }

        SqliteConnection.ClearAllPools();
        Scalar("ALTER TABLE runs DROP COLUMN cancel_requested_at; ALTER TABLE runs DROP COLUMN cancel_requested_by; ALTER TABLE run_attempts DROP COLUMN reconciled; PRAGMA user_version = 6;");

        await using var reopened = new SqliteCheckpointStore(DatabasePath, timeProvider: Time);

        Convert.ToInt32(Scalar("PRAGMA user_version;")).Should().Be(8);
        var run = (await reopened.GetRunAsync(key.Value, default))!;
        run.Status.Should().Be(RunStatus.Failed);
        run.CancelRequestedAt.Should().BeNull();
        var (runLease, _) = await reopened.AcquireRunAsync(key, "operator", LeaseDuration, default);
        await reopened.SetCancelRequestAsync(runLease, "operator", default);
        await reopened.SetRunStatusAsync(runLease, RunStatus.Running, null, release: true, default);
        (await reopened.GetRunAsync(key.Value, default))!.CancelRequestedAt.Should().Be(Time.GetUtcNow());
        (await reopened.ClaimPartitionAsync(new PartitionClaim(key.Value, "worker-b", LeaseDuration), default)).Should().BeNull("no partition of a cancelled run is claimed");
    }

    [Fact]
    public async Task Constructor_FileWithNewerSchemaVersion_ThrowsNamingFileAndVersions()
    {
        await using (new SqliteCheckpointStore(DatabasePath))
        {
        }

        var known = Convert.ToInt32(Scalar("PRAGMA user_version;"));
        Scalar($"PRAGMA user_version = {known + 7};");

        var act = () => new SqliteCheckpointStore(DatabasePath);

        act.Should().Throw<BatchKitException>()
            .WithMessage($"*'{Path.GetFullPath(DatabasePath)}'*schema version {known + 7}*up to {known}*");
    }

    [Fact]
    public void Constructor_AnotherApplicationsDatabase_ThrowsSayingItIsNotABatchKitStore()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
        Scalar("CREATE TABLE runs (id INTEGER PRIMARY KEY, athlete TEXT); CREATE TABLE laps (run_id INTEGER, seconds REAL);");

        var act = () => new SqliteCheckpointStore(DatabasePath);

        act.Should().Throw<BatchKitException>()
            .WithMessage($"*'{Path.GetFullPath(DatabasePath)}'*not a BatchKit state store*")
            .Which.Message.Should().NotContain("already exists");
        Scalar("SELECT count(*) FROM laps;").Should().Be(0L, "the other application's file is left as it was");
    }

    [Fact]
    public void Constructor_FileThatIsNotADatabase_ThrowsNamingFile()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
        File.WriteAllText(DatabasePath, "this is a text file, not a database, and it is long enough to have a header page of sorts..........");

        var act = () => new SqliteCheckpointStore(DatabasePath);

        act.Should().Throw<BatchKitException>().WithMessage($"*'{Path.GetFullPath(DatabasePath)}'*");
    }

    [Fact]
    public async Task AcquireRunAsync_TwoStoresRacingOnOneFile_ExactlyOneOwnerWins()
    {
        await using var left = new SqliteCheckpointStore(DatabasePath);
        await using var right = new SqliteCheckpointStore(DatabasePath);
        var key = Key();

        var owners = await RaceAsync(20, i => i % 2 == 0 ? left : right, key);

        var winner = owners.Where(o => o is not null).Should().ContainSingle().Subject;
        var run = await right.GetRunAsync(key.Value, default);
        run!.LeaseOwner.Should().Be(winner);
        run.Attempts.Should().Be(0);
        run.LeaseEpoch.Should().Be(1);
    }

    [Fact]
    public async Task AcquireRunAsync_TwentyStoresRacingOnOneFile_ExactlyOneOwnerWins()
    {
        await using (new SqliteCheckpointStore(DatabasePath))
        {
        }

        var stores = Enumerable.Range(0, 20).Select(_ => new SqliteCheckpointStore(DatabasePath)).ToList();
        try
        {
            var key = Key();

            var owners = await RaceAsync(stores.Count, i => stores[i], key);

            var winner = owners.Where(o => o is not null).Should().ContainSingle().Subject;
            var run = await stores[0].GetRunAsync(key.Value, default);
            run!.LeaseOwner.Should().Be(winner);
            run.Attempts.Should().Be(0);
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task CommitChunkAsync_LeaseTakenOverThroughAnotherStore_ThrowsLeaseLost()
    {
        await using var stalled = new SqliteCheckpointStore(DatabasePath, timeProvider: Time);
        await using var other = new SqliteCheckpointStore(DatabasePath, timeProvider: Time);
        var (run, _) = await stalled.AcquireRunAsync(Key(), "worker-a", LeaseDuration, default);
        await stalled.SavePlanAsync(run, Plan(1), default);
        var old = (await stalled.ClaimPartitionAsync(new PartitionClaim(Key().Value, "worker-a", LeaseDuration), default))!;
        Time.Advance(LeaseDuration);
        var current = (await other.ClaimPartitionAsync(new PartitionClaim(Key().Value, "worker-b", LeaseDuration), default))!;

        var act = async () => await stalled.CommitChunkAsync(old, Checkpoint("hash-0000", 10), [], default);

        await act.Should().ThrowAsync<LeaseLostException>();
        current.Epoch.Should().Be(old.Epoch + 1);
        (await stalled.RenewPartitionLeaseAsync(old, LeaseDuration, default)).Should().BeFalse();
        await other.CommitChunkAsync(current, Checkpoint("hash-0000", 20), [], default);
        (await stalled.GetCheckpointAsync(Key().Value, "hash-0000", default))!.RecordsRead.Should().Be(20);
    }

    [Fact]
    public async Task Constructor_SynchronousFullOption_SetsFullSynchronousMode()
    {
        await using var store = new SqliteCheckpointStore(DatabasePath, new SqliteCheckpointStoreOptions { SynchronousFull = true });
        var (lease, _) = await store.AcquireRunAsync(Key(), "w", LeaseDuration, default);
        await store.SavePlanAsync(lease, Plan(), default);

        await store.CommitChunkAsync(await PartitionLeaseAsync(store, lease, "hash-0000"), Checkpoint("hash-0000", 10), [], default);

        (await store.GetCheckpointAsync(Key().Value, "hash-0000", default))!.RecordsRead.Should().Be(10);
    }

    [Fact]
    public async Task CommitChunkAsync_ManyChunks_ReportsThroughput()
    {
        await using var store = new SqliteCheckpointStore(DatabasePath);
        var key = Key();
        var (lease, _) = await store.AcquireRunAsync(key, "w", TimeSpan.FromMinutes(5), default);
        await store.SavePlanAsync(lease, Plan(4), default);
        const int Chunks = 8000;

        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, 4), async (p, ct) =>
        {
            for (var chunk = 1; chunk <= Chunks / 4; chunk++)
            {
                ErrorRecord[] errors = chunk % 10 == 0 ? [Error(key, $"hash-{p:D4}", chunk * 1000L)] : [];
                await store.CommitChunkAsync(await PartitionLeaseAsync(store, lease, $"hash-{p:D4}"), Checkpoint($"hash-{p:D4}", chunk * 1000L), errors, ct);
            }
        });
        watch.Stop();
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;

        _output.WriteLine($"SQLite CommitChunkAsync: {Chunks} commits (4 partitions in parallel) in {watch.ElapsedMilliseconds} ms = {Chunks / watch.Elapsed.TotalSeconds:F0} commits/s, {cpu.TotalMicroseconds / Chunks:F0} µs CPU per commit");
        (await store.GetCheckpointAsync(key.Value, "hash-0003", default))!.RecordsRead.Should().Be(1000L * Chunks / 4);
        (await store.QueryErrorsAsync(new ErrorQuery(key.Value, Limit: 10_000), default)).Should().HaveCount(Chunks / 10);
    }

    // Starts every attempt on its own thread and releases them together, so the acquisitions really overlap.
    private static async Task<string?[]> RaceAsync(int count, Func<int, SqliteCheckpointStore> storeOf, RunKey key)
    {
        using var barrier = new Barrier(count);
        var attempts = Enumerable.Range(0, count).Select(i => Task.Factory.StartNew(
            () =>
            {
                barrier.SignalAndWait();
                try
                {
                    return storeOf(i).AcquireRunAsync(key, $"worker-{i}", LeaseDuration, default).AsTask().GetAwaiter().GetResult().Lease.Owner;
                }
                catch (RunLeaseConflictException)
                {
                    return null;
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)).ToArray();
        return await Task.WhenAll(attempts);
    }

    private object? Scalar(string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
