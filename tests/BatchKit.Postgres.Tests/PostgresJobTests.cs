using Npgsql;

namespace BatchKit.Postgres.Tests;

/// <summary>Whole jobs with the PostgreSQL store and sink: reruns, a failed commit, and a backend killed during COPY.</summary>
public sealed class PostgresJobTests : IAsyncLifetime
{
    private readonly TestSchema _schema = TestSchema.Create("bk_job");

    public Task InitializeAsync() => _schema.CreateAsync();

    public Task DisposeAsync() => _schema.DisposeAsync().AsTask();

    private string Table => _schema.Name + ".orders";

    private string Quoted => $"\"{_schema.Name}\".\"orders\"";

    private PostgresCheckpointStore Store() => new(new PostgresCheckpointStoreOptions { DataSource = _schema.DataSource, Schema = _schema.Name + "_state" });

    private PostgresSink<Order> Sink(WriteDisposition disposition, NpgsqlDataSource? dataSource = null) => new(
        new PostgresTableMapping<Order>(Table).HasKey(o => o.Id),
        new PostgresSinkOptions { DataSource = dataSource ?? _schema.DataSource, Disposition = disposition, CreateTable = true });

    private static Job Build(ISink<Order> sink, ICheckpointStore store, IReadOnlyList<Order> orders, int commit = 100) =>
        Job.Create("orders-load")
            .ReadFrom(EnumerableSource<Order>.FromList(orders))
            .PartitionBy(Partitioners.RowRanges(orders.Count, Math.Max(1, orders.Count / 4)))
            .WriteTo(sink)
            .WithParallelism(2)
            .WithCommitInterval(commit)
            .UseCheckpointStore(store)
            .Build();

    [Fact]
    public async Task RunAsync_AppendTwice_WritesEveryRecordOnceAndSecondRunIsNoOp()
    {
        await using var store = Store();
        await using var sink = Sink(WriteDisposition.Append);
        var orders = PostgresSinkTests.Orders(0, 2_000);

        var first = await new JobRunner(Build(sink, store, orders)).RunAsync(RunParameters.Of("date", "2025-03-01"));
        var second = await new JobRunner(Build(sink, store, orders)).RunAsync(RunParameters.Of("date", "2025-03-01"));

        first.Succeeded.Should().BeTrue();
        first.RecordsWritten.Should().Be(2_000);
        second.WasAlreadyCompleted.Should().BeTrue();
        (await _schema.ScalarAsync<long>($"SELECT count(*) FROM {Quoted}")).Should().Be(2_000);
        (await _schema.ScalarAsync<long>($"SELECT count(DISTINCT id) FROM {Quoted}")).Should().Be(2_000);
        (await store.GetPartitionStatesAsync(first.RunKey.Value, default)).Should().HaveCount(4).And.OnlyContain(s => s.Status == PartitionStatus.Completed);
    }

    [Fact]
    public async Task RunAsync_CommitSucceededButCheckpointNot_ResumesAndMatchesCleanRun()
    {
        await using var store = Store();
        var orders = PostgresSinkTests.Orders(0, 1_000);
        await using var inner = Sink(WriteDisposition.Append);
        var failing = new FailAfterCommitSink(inner, failOnCommit: 3);

        var failed = await new JobRunner(Build(failing, store, orders)).RunAsync(RunParameters.Of("date", "2025-03-01"));
        var resumed = await new JobRunner(Build(inner, store, orders)).RunAsync(RunParameters.Of("date", "2025-03-01"));

        // The partition whose commit "crashed" is retried from its last checkpoint, replaying the committed chunk.
        failing.Injected.Should().BeTrue();
        failed.Succeeded.Should().BeTrue();
        resumed.WasAlreadyCompleted.Should().BeTrue();
        (await _schema.RowsAsync($"SELECT id, customer, amount FROM {Quoted} ORDER BY id"))
            .Should().Equal(orders.Select(o => $"{o.Id}|{o.Customer}|{o.Amount.ToString(System.Globalization.CultureInfo.InvariantCulture)}"));
    }

    [Fact]
    public async Task RunAsync_BackendTerminatedDuringCopy_RetriesChunkWithoutDuplicates()
    {
        var builder = new NpgsqlConnectionStringBuilder(_schema.ConnectionString) { ApplicationName = "bk-kill-" + _schema.Name };
        await using var dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        await using var store = Store();
        await using var sink = Sink(WriteDisposition.Append, dataSource);
        var orders = PostgresSinkTests.Orders(0, 400_000);
        using var stop = new CancellationTokenSource();
        var killed = 0;
        var killer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested && killed == 0)
            {
                killed = await _schema.ScalarAsync<int>(
                    $"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '{builder.ApplicationName}' AND state = 'active' AND query LIKE 'COPY%'");
            }
        });

        var result = await new JobRunner(Build(sink, store, orders, commit: 100_000)).RunAsync(RunParameters.Of("date", "2025-03-01"));
        await stop.CancelAsync();
        await killer;

        killed.Should().BeGreaterThan(0, "a COPY of the sink must have been terminated");
        result.Succeeded.Should().BeTrue();
        result.RecordsWritten.Should().Be(400_000);
        (await _schema.ScalarAsync<long>($"SELECT count(*) FROM {Quoted}")).Should().Be(400_000);
        (await _schema.ScalarAsync<long>($"SELECT count(DISTINCT id) FROM {Quoted}")).Should().Be(400_000);
    }

    /// <summary>Throws after the inner commit of the given chunk committed, as a crash between sink commit and checkpoint would.</summary>
    private sealed class FailAfterCommitSink(ISink<Order> inner, int failOnCommit) : ISink<Order>
    {
        private readonly int _failOnCommit = failOnCommit;
        private int _commits;

        public WriteDisposition Disposition => inner.Disposition;

        public bool Injected => Volatile.Read(ref _commits) >= _failOnCommit;

        public async ValueTask<ISinkWriter<Order>> OpenAsync(SinkContext context, CancellationToken cancellationToken) =>
            new Writer(await inner.OpenAsync(context, cancellationToken), this);

        private sealed class Writer(ISinkWriter<Order> writer, FailAfterCommitSink owner) : ISinkWriter<Order>
        {
            public ValueTask WriteAsync(ReadOnlyMemory<Order> records, CancellationToken cancellationToken) => writer.WriteAsync(records, cancellationToken);

            public async ValueTask<long> CommitAsync(CancellationToken cancellationToken)
            {
                var position = await writer.CommitAsync(cancellationToken);
                if (Interlocked.Increment(ref owner._commits) == owner._failOnCommit)
                {
                    throw new InvalidOperationException("the process died after the sink committed and before the checkpoint");
                }

                return position;
            }

            public ValueTask CompleteAsync(CancellationToken cancellationToken) => writer.CompleteAsync(cancellationToken);

            public ValueTask DisposeAsync() => writer.DisposeAsync();
        }
    }
}
