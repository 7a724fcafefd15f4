using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace BatchKit.Postgres.Tests;

/// <summary>What the PostgreSQL store adds to the contract: its schema, lease checks under real concurrency, and credentials kept out of messages.</summary>
public sealed class PostgresCheckpointStoreTests : IAsyncLifetime
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);
    private readonly TestSchema _schema = TestSchema.Create("bk_store");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 3, 1, 8, 0, 0, TimeSpan.Zero));

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _schema.DisposeAsync().AsTask();

    private static RunKey Key => new("nightly-orders", RunParameters.Of("date", "2025-03-01"));

    private PostgresCheckpointStore Store(NpgsqlDataSource? dataSource = null) =>
        new(new PostgresCheckpointStoreOptions { DataSource = dataSource ?? _schema.DataSource, Schema = _schema.Name }, _time);

    [Fact]
    public async Task Calls_ManyPartitionsAtOnce_NeverUseMoreThanMaxConnections()
    {
        // Pooled connections stay open once made, so the backends under the data source's application name are the
        // most connections the store ever held at once.
        var name = "bk-budget-" + _schema.Name;
        await using var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(_schema.ConnectionString) { ApplicationName = name }.ConnectionString);
        await using var store = new PostgresCheckpointStore(new PostgresCheckpointStoreOptions { DataSource = dataSource, Schema = _schema.Name, MaxConnections = 2 }, _time);
        var (run, _) = await store.AcquireRunAsync(Key, "planner", Lease, default);
        await store.SavePlanAsync(run, new PartitionPlan("fp", Enumerable.Range(0, 16).Select(i => new Partition(i, "p" + i, "x")).ToList()), default);
        var leases = new List<PartitionLease>();
        for (var i = 0; i < 16; i++)
        {
            leases.Add((await store.ClaimPartitionAsync(new PartitionClaim(Key.Value, "worker", Lease), default))!);
        }

        await Task.WhenAll(leases.SelectMany(lease => Enumerable.Range(1, 4).Select(c => Task.Run(async () =>
        {
            await store.CommitChunkAsync(lease, new Checkpoint(lease.PartitionId, "sink", c, c, c, 0, c, _time.GetUtcNow()), [], default);
            await store.RenewPartitionLeaseAsync(lease, Lease, default);
        }))));

        (await _schema.ScalarAsync<long>($"SELECT count(*) FROM pg_stat_activity WHERE application_name = '{name}'")).Should().BeInRange(1, 2);
        (await _schema.ScalarAsync<long>($"SELECT count(*) FROM \"{_schema.Name}\".checkpoints WHERE records_read > 0")).Should().Be(16);
    }

    [Fact]
    public async Task MigrateAsync_NewSchema_CreatesTablesAndRecordsVersion()
    {
        await using var store = Store();

        await store.MigrateAsync(default);
        await using var again = Store();
        await again.MigrateAsync(default);

        (await _schema.ScalarAsync<int>($"SELECT version FROM \"{_schema.Name}\".schema_version")).Should().Be(6);
        (await _schema.RowsAsync($"SELECT table_name FROM information_schema.tables WHERE table_schema = '{_schema.Name}' ORDER BY table_name"))
            .Should().Equal(
                "checkpoints", "effects", "error_records", "partition_attempts", "partition_plans", "partition_states", "plan_partitions", "run_attempts", "run_notifications", "runs",
                "schema_version", "sla_results", "stages");
    }

    [Fact]
    public async Task MigrateAsync_SchemaVersion1_AddsPartitionLeasesKeepingRunsAndEpochs()
    {
        // A schema written before partition leases: version 1, a run whose lease epoch fenced its sinks.
        await using (var first = Store())
        {
            var (lease, _) = await first.AcquireRunAsync(Key, "worker-a", Lease, default);
            await first.SavePlanAsync(lease, new PartitionPlan("fp", [new Partition(0, "p0", "x")]), default);
            await first.SetRunStatusAsync(lease, RunStatus.Failed, "boom", release: true, default);
        }

        var q = $"\"{_schema.Name}\"";
        await _schema.ExecuteAsync(
            $"""
            DROP INDEX {q}.ix_partition_states_claim;
            ALTER TABLE {q}.partition_states DROP COLUMN lease_owner, DROP COLUMN lease_epoch, DROP COLUMN lease_expires_at;
            ALTER TABLE {q}.partition_plans DROP COLUMN barrier;
            ALTER TABLE {q}.runs DROP COLUMN partition_epoch_floor, DROP COLUMN cancel_requested_at, DROP COLUMN cancel_requested_by;
            DROP TABLE {q}.run_attempts, {q}.partition_attempts, {q}.sla_results, {q}.run_notifications;
            UPDATE {q}.schema_version SET version = 1;
            """);

        await using var store = Store();
        await store.MigrateAsync(default);

        (await _schema.ScalarAsync<int>($"SELECT version FROM {q}.schema_version")).Should().Be(6);
        (await store.GetPlanAsync(Key.Value, default))!.Partitions.Should().ContainSingle().Which.Id.Should().Be("p0");
        var (runLease, run) = await store.AcquireRunAsync(Key, "worker-b", Lease, default);
        await store.SetRunStatusAsync(runLease, RunStatus.Running, null, release: true, default);
        var claimed = await store.ClaimPartitionAsync(new PartitionClaim(Key.Value, "worker-b", Lease), default);
        claimed.Should().NotBeNull();
        claimed!.Epoch.Should().BeGreaterThan(run.LeaseEpoch, "partitions start at their run's last epoch");
        await store.CommitChunkAsync(claimed, Checkpoint(10), [], default);
        (await store.GetCheckpointAsync(Key.Value, "p0", default))!.RecordsRead.Should().Be(10);
    }

    [Fact]
    public async Task MigrateAsync_SchemaVersion2WithRuns_AddsHistoryTablesKeepingRunsPartitionsAndLeases()
    {
        // A schema written before run history: version 2, with a completed run and a failed one whose partition is leased.
        var done = new RunKey("nightly-orders", RunParameters.Of("date", "2025-02-28"));
        await using (var first = Store())
        {
            var (lease, _) = await first.AcquireRunAsync(done, "worker-a", Lease, default);
            await first.SavePlanAsync(lease, new PartitionPlan("fp", [new Partition(0, "p0", "x")]), default);
            var partition = (await first.ClaimPartitionAsync(new PartitionClaim(done.Value, "worker-a", Lease), default))!;
            await first.CommitChunkAsync(partition, Checkpoint(10), [], default);
            await first.SetPartitionStateAsync(partition, new PartitionState("p0", PartitionStatus.Completed, 1, null, _time.GetUtcNow()), release: true, default);
            await first.SetRunStatusAsync(lease, RunStatus.Completed, null, release: true, default);
            var (failedLease, _) = await first.AcquireRunAsync(Key, "worker-a", Lease, default);
            await first.SavePlanAsync(failedLease, new PartitionPlan("fp", [new Partition(0, "p0", "x")]), default);
            await first.ClaimPartitionAsync(new PartitionClaim(Key.Value, "worker-a", Lease), default);
            await first.SetRunStatusAsync(failedLease, RunStatus.Failed, "boom", release: true, default);
        }

        var q = $"\"{_schema.Name}\"";
        await _schema.ExecuteAsync($"DROP TABLE {q}.run_attempts, {q}.partition_attempts, {q}.sla_results, {q}.run_notifications; ALTER TABLE {q}.runs DROP COLUMN cancel_requested_at, DROP COLUMN cancel_requested_by; UPDATE {q}.schema_version SET version = 2;");
        var before = await _schema.RowsAsync($"SELECT run_key, status, attempts, lease_epoch, partition_epoch_floor FROM {q}.runs ORDER BY run_key");
        var statesBefore = await _schema.RowsAsync($"SELECT run_key, partition_id, status, lease_owner, lease_epoch FROM {q}.partition_states ORDER BY run_key");

        await using var store = Store();
        await store.MigrateAsync(default);

        (await _schema.ScalarAsync<int>($"SELECT version FROM {q}.schema_version")).Should().Be(6);
        (await _schema.RowsAsync($"SELECT run_key, status, attempts, lease_epoch, partition_epoch_floor FROM {q}.runs ORDER BY run_key")).Should().Equal(before).And.HaveCount(2);
        (await _schema.RowsAsync($"SELECT run_key, partition_id, status, lease_owner, lease_epoch FROM {q}.partition_states ORDER BY run_key")).Should().Equal(statesBefore);
        (await store.GetCheckpointAsync(done.Value, "p0", default))!.RecordsRead.Should().Be(10);
        (await store.ListRunAttemptsAsync(done.Value, default)).Should().BeEmpty("runs from before the history have no attempt records");
        (await store.ListRunsAsync(null, 10, default)).Select(r => r.Status).Should().Equal(RunStatus.Failed, RunStatus.Completed);

        // The live partition lease of the failed run still fences: another worker cannot claim it before it expires.
        var (runLease, _) = await store.AcquireRunAsync(Key, "worker-b", Lease, default);
        (await store.ClaimPartitionAsync(new PartitionClaim(Key.Value, "worker-b", Lease), default)).Should().BeNull();
        var attempt = new RunAttempt(Key.Value, "worker-b", 2, runLease.Epoch, _time.GetUtcNow(), null, RunStatus.Running);
        await store.RecordRunAttemptAsync(attempt, default);
        (await store.ListRunAttemptsAsync(Key.Value, default)).Should().ContainSingle().Which.Owner.Should().Be("worker-b");
    }

    [Fact]
    public async Task MigrateAsync_SchemaVersion4_AddsCancellationRequestsKeepingRuns()
    {
        // A schema written before cancellation requests (version 4, with notifications).
        await using (var first = Store())
        {
            var (lease, _) = await first.AcquireRunAsync(Key, "worker-a", Lease, default);
            await first.SavePlanAsync(lease, new PartitionPlan("fp", [new Partition(0, "p0", "x")]), default);
            await first.SetRunStatusAsync(lease, RunStatus.Failed, "boom", release: true, default);
        }

        var q = $"\"{_schema.Name}\"";
        await _schema.ExecuteAsync($"ALTER TABLE {q}.runs DROP COLUMN cancel_requested_at, DROP COLUMN cancel_requested_by; ALTER TABLE {q}.run_attempts DROP COLUMN reconciled; UPDATE {q}.schema_version SET version = 4;");

        await using var store = Store();
        await store.MigrateAsync(default);

        (await _schema.ScalarAsync<int>($"SELECT version FROM {q}.schema_version")).Should().Be(6);
        var run = (await store.GetRunAsync(Key.Value, default))!;
        run.Status.Should().Be(RunStatus.Failed);
        run.CancelRequestedAt.Should().BeNull();
        var (runLease, _) = await store.AcquireRunAsync(Key, "operator", Lease, default);
        await store.SetCancelRequestAsync(runLease, "operator", default);
        await store.SetRunStatusAsync(runLease, RunStatus.Running, null, release: true, default);
        (await store.GetRunAsync(Key.Value, default))!.CancelRequestedBy.Should().Be("operator");
        (await store.ClaimPartitionAsync(new PartitionClaim(Key.Value, "worker-b", Lease), default)).Should().BeNull("no partition of a cancelled run is claimed");
        var (clearLease, _) = await store.AcquireRunAsync(Key, "worker-b", Lease, default);
        await store.SetCancelRequestAsync(clearLease, null, default);
        await store.SetRunStatusAsync(clearLease, RunStatus.Running, null, release: true, default);
        (await store.ClaimPartitionAsync(new PartitionClaim(Key.Value, "worker-b", Lease), default)).Should().NotBeNull("the request was cleared");
    }

    [Fact]
    public async Task MigrateAsync_ManyStoresAtOnce_MigratesOnce()
    {
        var stores = Enumerable.Range(0, 6).Select(_ => Store()).ToList();

        await Task.WhenAll(stores.Select(s => s.MigrateAsync(default).AsTask()));

        (await _schema.ScalarAsync<int>($"SELECT count(*) FROM \"{_schema.Name}\".schema_version")).Should().Be(1);
        foreach (var store in stores)
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task MigrateAsync_NewerSchemaVersion_FailsNamingVersionsAndChangesNothing()
    {
        await using (var store = Store())
        {
            await store.MigrateAsync(default);
        }

        await _schema.ExecuteAsync($"UPDATE \"{_schema.Name}\".schema_version SET version = 99");
        await using var newer = Store();

        var act = () => newer.GetRunAsync("x", default).AsTask();

        (await act.Should().ThrowAsync<BatchKitException>()).Which.Message.Should().Contain("schema version 99").And.Contain("up to 6").And.Contain(_schema.Name);
        (await _schema.ScalarAsync<int>($"SELECT version FROM \"{_schema.Name}\".schema_version")).Should().Be(99);
    }

    [Fact]
    public async Task MigrateAsync_SchemaOfAnotherApplication_RefusesAndLeavesItUnchanged()
    {
        await _schema.CreateAsync();
        await _schema.ExecuteAsync($"CREATE TABLE \"{_schema.Name}\".invoices (id int)");
        await using var store = Store();

        var act = () => store.MigrateAsync(default).AsTask();

        (await act.Should().ThrowAsync<BatchKitException>()).Which.Message.Should().Contain("invoices").And.Contain("not a BatchKit state store");
        (await _schema.RowsAsync($"SELECT table_name FROM information_schema.tables WHERE table_schema = '{_schema.Name}'")).Should().Equal("invoices");
    }

    [Fact]
    public async Task CommitChunkAsync_TakeoverCommitsWhileWriteWaits_WriteSeesNewEpochAndChangesNothing()
    {
        await using var store = Store();
        var (lease, _) = await store.AcquireRunAsync(Key, "worker-a", Lease, default);
        await store.SavePlanAsync(lease, new PartitionPlan("fp", [new Partition(0, "p0", "x")]), default);
        var partition = (await store.ClaimPartitionAsync(new PartitionClaim(Key.Value, "worker-a", Lease), default))!;
        partition.Epoch.Should().Be(1);
        await store.CommitChunkAsync(partition, Checkpoint(100), [], default);

        // Another process takes the partition over in a transaction that has not committed yet.
        await using var takeover = await _schema.DataSource.OpenConnectionAsync();
        await using var transaction = await takeover.BeginTransactionAsync();
        await using (var update = new NpgsqlCommand($"UPDATE \"{_schema.Name}\".partition_states SET lease_owner = 'worker-b', lease_epoch = lease_epoch + 1 WHERE run_key = @k AND partition_id = 'p0'", takeover))
        {
            update.Parameters.AddWithValue("k", Key.Value);
            (await update.ExecuteNonQueryAsync()).Should().Be(1);
        }

        var write = store.CommitChunkAsync(partition, Checkpoint(200), [], default).AsTask();
        await WaitUntilBlockedAsync();
        write.IsCompleted.Should().BeFalse("the write must wait for the partition row, not read the epoch committed before the takeover");
        await transaction.CommitAsync();

        var error = (await write.Awaiting(w => w).Should().ThrowAsync<LeaseLostException>()).Which;
        error.Message.Should().Contain("worker-b").And.Contain("epoch 2");
        (await store.GetCheckpointAsync(Key.Value, "p0", default))!.RecordsRead.Should().Be(100);
    }

    [Fact]
    public async Task AcquireRunAsync_EightProcessesAtOnce_ExactlyOneGetsTheLease()
    {
        var dataSources = Enumerable.Range(0, 8).Select(_ => NpgsqlDataSource.Create(_schema.ConnectionString)).ToList();
        var stores = dataSources.Select(Store).ToList();
        await stores[0].MigrateAsync(default);

        var attempts = await Task.WhenAll(stores.Select(async (s, i) =>
        {
            try
            {
                await s.AcquireRunAsync(Key, "worker-" + i, Lease, default);
                return true;
            }
            catch (RunLeaseConflictException)
            {
                return false;
            }
        }));

        attempts.Count(a => a).Should().Be(1);
        var run = await stores[0].GetRunAsync(Key.Value, default);
        run!.Attempts.Should().Be(0);
        run.LeaseEpoch.Should().Be(1);
        foreach (var store in stores)
        {
            await store.DisposeAsync();
        }

        foreach (var dataSource in dataSources)
        {
            await dataSource.DisposeAsync();
        }
    }

    [Fact]
    public async Task AnyCall_ServerUnreachable_FailsNamingServerButNotPassword()
    {
        await using var store = new PostgresCheckpointStore(new PostgresCheckpointStoreOptions
        {
            ConnectionString = "Host=127.0.0.1;Port=1;Database=warehouse;Username=batch;Password=s3cret-Pa55;Timeout=3",
        });

        var act = () => store.GetRunAsync("x", default).AsTask();

        var error = (await act.Should().ThrowAsync<BatchKitException>()).Which;
        error.Message.Should().Contain("127.0.0.1:1/warehouse").And.Contain("schema 'batchkit'");
        error.ToString().Should().NotContain("s3cret-Pa55").And.NotContain("Password=");
    }

    [Fact]
    public void Constructor_MalformedConnectionString_FailsWithoutRepeatingIt()
    {
        var act = () => new PostgresCheckpointStore(new PostgresCheckpointStoreOptions { ConnectionString = "Host=db;Password=s3cret-Pa55;Bogus Key=1" });

        act.Should().Throw<ArgumentException>().Which.ToString().Should().NotContain("s3cret-Pa55");
    }

    private static Checkpoint Checkpoint(long read) => new("p0", "sink", read, read, read, 0, read, new DateTimeOffset(2025, 3, 1, 8, 0, 2, TimeSpan.Zero));

    // Waits until some backend of the test schema's database waits for a lock (the store's write, blocked by the takeover).
    private async Task WaitUntilBlockedAsync()
    {
        for (var i = 0; i < 600; i++)
        {
            if (await _schema.ScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%lease_owner, lease_epoch%'") > 0)
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("The store's write never waited for the run row's lock.");
    }
}
