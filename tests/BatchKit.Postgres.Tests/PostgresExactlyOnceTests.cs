using BatchKit.Tests.Support;
using Npgsql;

namespace BatchKit.Postgres.Tests;

/// <summary>
/// The sink and the store on one database: a chunk's merge and its checkpoint commit in one transaction that also checks
/// the partition lease, so a failure between the two, a SIGKILL or a stale writer leaves both or neither.
/// </summary>
public sealed class PostgresExactlyOnceTests : IAsyncLifetime
{
    private readonly TestSchema _schema = TestSchema.Create("bk_once");

    public Task InitializeAsync() => _schema.CreateAsync();

    public async Task DisposeAsync()
    {
        await _schema.ExecuteAsync($"DROP SCHEMA IF EXISTS \"{State}\" CASCADE");
        await _schema.ExecuteAsync($"DROP SCHEMA IF EXISTS \"{State}_clean\" CASCADE");
        await _schema.DisposeAsync();
    }

    private string State => _schema.Name + "_state";

    private string Quoted => $"\"{_schema.Name}\".\"orders\"";

    private PostgresCheckpointStore Store(NpgsqlDataSource? dataSource = null) => new(new PostgresCheckpointStoreOptions { DataSource = dataSource ?? _schema.DataSource, Schema = State });

    private PostgresSink<Order> Sink(bool withCheckpoint = true, NpgsqlDataSource? dataSource = null) => new(
        new PostgresTableMapping<Order>(_schema.Name + ".orders"),
        new PostgresSinkOptions { DataSource = dataSource ?? _schema.DataSource, Disposition = WriteDisposition.Append, CreateTable = true, CommitCheckpointWithChunk = withCheckpoint });

    private static Job Build(ISink<Order> sink, ICheckpointStore store, IReadOnlyList<Order> orders, int partitions) =>
        Job.Create("orders-once")
            .ReadFrom(EnumerableSource<Order>.FromList(orders))
            .PartitionBy(Partitioners.RowRanges(orders.Count, orders.Count / partitions))
            .WriteTo(sink)
            .WithParallelism(2)
            .WithCommitInterval(100)
            .UseCheckpointStore(store)
            .Build();

    // Logs the transaction of every statement that adds rows to the target and of every checkpoint row written.
    private async Task TraceTransactionsAsync()
    {
        await _schema.ExecuteAsync(
            $"""
            CREATE TABLE "{_schema.Name}".xact_log (xid bigint NOT NULL, what text NOT NULL, n bigint NOT NULL);
            CREATE FUNCTION "{_schema.Name}".log_rows() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN INSERT INTO "{_schema.Name}".xact_log SELECT txid_current(), 'rows', count(*) FROM added; RETURN NULL; END $$;
            CREATE FUNCTION "{_schema.Name}".log_checkpoint() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN INSERT INTO "{_schema.Name}".xact_log VALUES (txid_current(), 'checkpoint', NEW.records_written); RETURN NEW; END $$;
            CREATE TRIGGER log_rows AFTER INSERT ON {Quoted} REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION "{_schema.Name}".log_rows();
            CREATE TRIGGER log_checkpoint AFTER INSERT OR UPDATE ON "{State}".checkpoints FOR EACH ROW EXECUTE FUNCTION "{_schema.Name}".log_checkpoint();
            """);
    }

    // Creates the target and the store's tables before the run, so triggers can be put on them.
    private async Task PrepareAsync(PostgresCheckpointStore store, PostgresSink<Order> sink)
    {
        await store.MigrateAsync(default);
        await using var writer = await sink.OpenAsync(new SinkContext(new RunKey("prepare", RunParameters.Of("x", 1)), new Partition(0, "p", "x"), null), default);
    }

    [Fact]
    public async Task RunAsync_StoreOnSameDatabase_EveryChunkCommitsInTheTransactionOfItsCheckpoint()
    {
        await using var store = Store();
        await using var sink = Sink();
        await PrepareAsync(store, sink);
        await TraceTransactionsAsync();
        var orders = PostgresSinkTests.Orders(0, 1_000);

        var result = await new JobRunner(Build(sink, store, orders, partitions: 2)).RunAsync(RunParameters.Of("date", "2025-03-01"));

        result.Succeeded.Should().BeTrue(result.Exception?.ToString());
        var rowTransactions = await _schema.RowsAsync($"SELECT xid, n FROM \"{_schema.Name}\".xact_log WHERE what = 'rows' AND n > 0 ORDER BY xid");
        var checkpointTransactions = await _schema.RowsAsync($"SELECT DISTINCT xid FROM \"{_schema.Name}\".xact_log WHERE what = 'checkpoint'");
        rowTransactions.Should().HaveCount(10, "1,000 records in chunks of 100");
        rowTransactions.Select(r => r.Split('|')[0]).Should().OnlyContain(xid => checkpointTransactions.Contains(xid), "each chunk's rows commit with a checkpoint");
        (await _schema.ScalarAsync<long>($"SELECT count(*) FROM {Quoted}")).Should().Be(1_000);
    }

    [Fact]
    public async Task RunAsync_RejectedRecords_AreStoredWithTheChunksCheckpoint_AlsoForAChunkWithNoRowLeft()
    {
        await using var store = Store();
        await using var sink = Sink();
        var orders = PostgresSinkTests.Orders(0, 1_000);
        var job = Job.Create("orders-once")
            .ReadFrom(EnumerableSource<Order>.FromList(orders))
            .PartitionBy(Partitioners.RowRanges(orders.Length, 500))
            .Validate(o => o.Id % 10 == 3 || o.Id is >= 600 and < 700 ? "rejected" : null)
            .WriteTo(sink)
            .WithCommitInterval(100)
            .Configure(o => o.MaxErrorRate = 1)
            .UseCheckpointStore(store)
            .Build();

        var result = await new JobRunner(job).RunAsync(RunParameters.Of("date", "2025-03-01"));

        result.Succeeded.Should().BeTrue(result.Exception?.ToString());
        var expected = orders.Where(o => !(o.Id % 10 == 3 || o.Id is >= 600 and < 700)).Select(o => o.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        (await _schema.RowsAsync($"SELECT id FROM {Quoted} ORDER BY id")).Should().Equal(expected);
        (await store.QueryErrorsAsync(new ErrorQuery(result.RunKey.Value, Limit: 1_000), default)).Should().HaveCount(1_000 - expected.Count);
        (await _schema.RowsAsync($"SELECT partition_id, records_read, records_written, error_count FROM \"{State}\".checkpoints ORDER BY partition_id"))
            .Should().Equal($"{Partition(0)}|500|450|50", $"{Partition(1)}|500|360|140");
    }

    private static string Partition(int index) => Partitioners.RowRanges(1_000, 500).PlanAsync(new PartitionPlanContext(new RunKey("x", RunParameters.Of("x", 1))), default).AsTask().Result[index].Id;

    [Fact]
    public async Task RunAsync_CheckpointSeparate_ChunksCommitInTransactionsOfTheirOwn()
    {
        // The control of the test above: with the option off, no chunk shares a transaction with a checkpoint.
        await using var store = Store();
        await using var sink = Sink(withCheckpoint: false);
        await PrepareAsync(store, sink);
        await TraceTransactionsAsync();

        var result = await new JobRunner(Build(sink, store, PostgresSinkTests.Orders(0, 1_000), partitions: 2)).RunAsync(RunParameters.Of("date", "2025-03-01"));

        result.Succeeded.Should().BeTrue(result.Exception?.ToString());
        (await _schema.ScalarAsync<long>(
            $"SELECT count(*) FROM \"{_schema.Name}\".xact_log r JOIN \"{_schema.Name}\".xact_log c ON c.xid = r.xid AND c.what = 'checkpoint' WHERE r.what = 'rows'")).Should().Be(0);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RunAsync_CheckpointFailsAfterTheMerge_LeavesNeitherRowsNorCheckpoint(bool withCheckpoint)
    {
        await using var store = Store();
        await using var sink = Sink(withCheckpoint);
        await PrepareAsync(store, sink);

        // The checkpoint of the third chunk fails after the chunk was merged; the failure can never succeed, so the run fails.
        await _schema.ExecuteAsync(
            $"""
            CREATE FUNCTION "{_schema.Name}".fail_third() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.records_written = 300 THEN RAISE EXCEPTION 'checkpoint refused after the merge'; END IF; RETURN NEW; END $$;
            CREATE TRIGGER fail_third BEFORE INSERT OR UPDATE ON "{State}".checkpoints FOR EACH ROW EXECUTE FUNCTION "{_schema.Name}".fail_third();
            """);
        var orders = PostgresSinkTests.Orders(0, 1_000);

        var failed = await new JobRunner(Build(sink, store, orders, partitions: 1)).RunAsync(RunParameters.Of("date", "2025-03-01"));
        var rows = await _schema.ScalarAsync<long>($"SELECT count(*) FROM {Quoted}");
        var checkpointed = await _schema.ScalarAsync<long>($"SELECT records_written FROM \"{State}\".checkpoints");
        await _schema.ExecuteAsync($"DROP TRIGGER fail_third ON \"{State}\".checkpoints");
        var rerun = await new JobRunner(Build(sink, store, orders, partitions: 1)).RunAsync(RunParameters.Of("date", "2025-03-01"));

        failed.Succeeded.Should().BeFalse();
        checkpointed.Should().Be(200);
        if (withCheckpoint)
        {
            rows.Should().Be(200, "the third chunk rolled back with its checkpoint");
        }
        else
        {
            // The control: in separate transactions the third chunk (and maybe the next, the checkpoints lag) stayed without a checkpoint.
            rows.Should().BeGreaterThanOrEqualTo(300);
        }

        rerun.Succeeded.Should().BeTrue(rerun.Exception?.ToString());
        (await _schema.RowsAsync($"SELECT id FROM {Quoted} ORDER BY id")).Should().Equal(orders.Select(o => o.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task RunAsync_BackendTerminatedBetweenMergeAndCheckpoint_RetriesTheChunkOnce()
    {
        await using var store = Store();
        await using var sink = Sink();
        await PrepareAsync(store, sink);

        // The session of the fourth checkpoint write kills itself after the merge: the connection breaks mid-transaction.
        await _schema.ExecuteAsync(
            $"""
            CREATE SEQUENCE "{_schema.Name}".writes;
            CREATE FUNCTION "{_schema.Name}".die_fourth() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF nextval('"{_schema.Name}".writes') = 4 THEN PERFORM pg_terminate_backend(pg_backend_pid()); END IF; RETURN NEW; END $$;
            CREATE TRIGGER die_fourth BEFORE INSERT OR UPDATE ON "{State}".checkpoints FOR EACH ROW EXECUTE FUNCTION "{_schema.Name}".die_fourth();
            """);
        var orders = PostgresSinkTests.Orders(0, 1_000);

        var result = await new JobRunner(Build(sink, store, orders, partitions: 2)).RunAsync(RunParameters.Of("date", "2025-03-01"));

        result.Succeeded.Should().BeTrue(result.Exception?.ToString());
        (await _schema.ScalarAsync<long>($"SELECT last_value FROM \"{_schema.Name}\".writes")).Should().BeGreaterThan(4, "the write that died was made again");
        (await _schema.RowsAsync($"SELECT id FROM {Quoted} ORDER BY id")).Should().Equal(orders.Select(o => o.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task CommitAsync_StaleEpoch_CommitsNeitherRowsNorCheckpoint()
    {
        await using var store = Store();
        await using var sink = Sink();
        var runKey = new RunKey("orders-once", RunParameters.Of("date", "2025-03-01"));
        var (runLease, _) = await store.AcquireRunAsync(runKey, "planner", TimeSpan.FromMinutes(1), default);
        await store.SavePlanAsync(runLease, new PartitionPlan("fp", [new Partition(0, "p0", "x")]), default);
        var stale = (await store.ClaimPartitionAsync(new PartitionClaim(runKey.Value, "worker-a", TimeSpan.FromMinutes(1)), default))!;
        var current = (await store.ClaimPartitionAsync(new PartitionClaim(runKey.Value, "worker-b", TimeSpan.FromMinutes(1)) { GoneOwners = ["worker-a"] }, default))!;
        current.Epoch.Should().BeGreaterThan(stale.Epoch);

        // The stale writer's own fence row says nothing yet (the new owner has not written): the store's lease check refuses.
        var context = new SinkContext(runKey, new Partition(0, "p0", "x"), null) { Fence = new FencingToken(stale.Owner, stale.Epoch, _ => ValueTask.FromResult(true)) };
        await using var writer = (ICheckpointingSinkWriter<Order>)await sink.OpenAsync(context, default);
        writer.CanCommitCheckpointsOf(store).Should().BeTrue();
        await writer.WriteAsync(PostgresSinkTests.Orders(0, 50), default);
        var checkpoint = new Checkpoint("p0", "sink", 50, 50, 50, 0, 0, DateTimeOffset.UtcNow);
        var act = async () => await writer.CommitAsync(new ChunkCheckpoint(store, stale, checkpoint, []), default);

        await act.Should().ThrowAsync<LeaseLostException>();
        (await _schema.ScalarAsync<long>($"SELECT count(*) FROM {Quoted}")).Should().Be(0);
        (await store.GetCheckpointAsync(runKey.Value, "p0", default)).Should().BeNull();
    }

    [Fact]
    public async Task CanCommitCheckpointsOf_SameDatabaseOtherDataSource_YesOtherUserOrOptionOff_No()
    {
        await using var other = NpgsqlDataSource.Create(_schema.ConnectionString);
        var otherUser = new NpgsqlConnectionStringBuilder(_schema.ConnectionString) { Username = "someone_else" };
        await using var otherUserSource = NpgsqlDataSource.Create(otherUser.ConnectionString);
        await using var store = Store(other);
        await using var otherUserStore = Store(otherUserSource);
        await using var sink = Sink();
        await using var off = Sink(withCheckpoint: false);
        var context = new SinkContext(new RunKey("x", RunParameters.Of("x", 1)), new Partition(0, "p", "x"), null);

        await using var writer = (ICheckpointingSinkWriter<Order>)await sink.OpenAsync(context, default);
        await using var offWriter = (ICheckpointingSinkWriter<Order>)await off.OpenAsync(context, default);

        writer.CanCommitCheckpointsOf(store).Should().BeTrue();
        writer.CanCommitCheckpointsOf(otherUserStore).Should().BeFalse();
        writer.CanCommitCheckpointsOf(new InMemoryCheckpointStore()).Should().BeFalse();
        offWriter.CanCommitCheckpointsOf(store).Should().BeFalse();
    }

    [Fact]
    public async Task RunAsync_KilledThenRerun_CheckpointsCoverExactlyTheRowsAndOutputMatchesCleanRun()
    {
        string[] Args(string table, string state) =>
            ["pg-load", "--pg", _schema.ConnectionString, "--pg-schema", state, "--table", _schema.Name + "." + table, "--count", "3000", "--partitions", "3", "--commit", "50", "--slow-ms", "40", "--lease-s", "5"];
        var clean = await TestHostProcess.RunAsync(Args("clean", State + "_clean"));
        clean.ExitCode.Should().Be(0, clean.Output + clean.Error);

        using (var process = TestHostProcess.Start(Args("out", State)))
        {
            for (var i = 0; i < 1200 && !await HasCheckpointsAsync(); i++)
            {
                await Task.Delay(50);
            }

            process.HasExited.Should().BeFalse("the run is still going when it is killed");
            process.Kill(entireProcessTree: true); // SIGKILL: no cleanup, no final checkpoint, the leases stay held
            await process.WaitForExitAsync();
        }

        // What the killed run committed: per partition, the rows in the target are exactly what its checkpoint says.
        var perPartition = await _schema.RowsAsync(
            $"""
            SELECT c.partition_id, c.records_written, (SELECT count(*) FROM "{_schema.Name}"."out" o WHERE o._bk_partition = c.partition_id)
            FROM "{State}".checkpoints c ORDER BY c.partition_id
            """);
        var rerun = await TestHostProcess.RunAsync(Args("out", State));

        perPartition.Should().NotBeEmpty();
        perPartition.Should().OnlyContain(r => r.Split('|')[1] == r.Split('|')[2], "a chunk and its checkpoint commit together");
        perPartition.Sum(r => long.Parse(r.Split('|')[1], System.Globalization.CultureInfo.InvariantCulture)).Should().BeInRange(1, 2_999, "the killed run got part of the way");
        rerun.ExitCode.Should().Be(0, rerun.Output + rerun.Error);
        (await _schema.RowsAsync($"SELECT id, name, value FROM \"{_schema.Name}\".\"out\" ORDER BY id"))
            .Should().Equal(await _schema.RowsAsync($"SELECT id, name, value FROM \"{_schema.Name}\".clean ORDER BY id"))
            .And.HaveCount(3_000);
    }

    private async Task<bool> HasCheckpointsAsync()
    {
        var exists = await _schema.ScalarAsync<bool>($"SELECT to_regclass('\"{State}\".checkpoints') IS NOT NULL");
        return exists && await _schema.ScalarAsync<long>($"SELECT count(*) FROM \"{State}\".checkpoints WHERE records_written > 0") > 0;
    }
}
