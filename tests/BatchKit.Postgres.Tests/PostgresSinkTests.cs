using Npgsql;

namespace BatchKit.Postgres.Tests;

/// <summary>The sink's dispositions against the real server, each write fenced by the attempt's epoch.</summary>
public sealed class PostgresSinkTests : IAsyncLifetime
{
    private static readonly RunKey Run = new("orders-load", RunParameters.Of("date", "2025-03-01"));
    private readonly TestSchema _schema = TestSchema.Create("bk_sink");

    public Task InitializeAsync() => _schema.CreateAsync();

    public Task DisposeAsync() => _schema.DisposeAsync().AsTask();

    private string Table => _schema.Name + ".orders";

    public static Order[] Orders(int from, int count, string suffix = "") =>
        Enumerable.Range(from, count).Select(i => new Order(i, i % 4, "customer-" + i + suffix, i * 1.25m, new DateTimeOffset(2025, 3, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(i), i % 3 == 0 ? null : "n" + i)).ToArray();

    private PostgresSink<Order> Sink(WriteDisposition disposition, NpgsqlDataSource? dataSource = null) => new(
        new PostgresTableMapping<Order>(Table).HasKey(o => o.Id),
        new PostgresSinkOptions
        {
            DataSource = dataSource ?? _schema.DataSource,
            Disposition = disposition,
            CreateTable = true,
            Slice = c => PostgresSlice.Where("bucket = @bucket", ("bucket", c.Partition.Index)),
        });

    private static FencingToken Token(long epoch, string owner) => new(owner, epoch, _ => ValueTask.FromResult(true));

    private static SinkContext Context(int bucket, long? resume, FencingToken fence) => new(Run, new Partition(bucket, "bucket-" + bucket, PartitionDescriptor.Hash(bucket, 4)), resume) { Fence = fence };

    private static async Task<long> WriteAsync(ISink<Order> sink, SinkContext context, Order[] rows, bool complete = true)
    {
        await using var writer = await sink.OpenAsync(context, default);
        await writer.WriteAsync(rows, default);
        var position = await writer.CommitAsync(default);
        if (complete)
        {
            await writer.CompleteAsync(default);
        }

        return position;
    }

    private Task<List<string>> RowsAsync() => _schema.RowsAsync($"SELECT id, bucket, customer, amount, note FROM {Pg(Table)} ORDER BY id");

    private static string Pg(string table) => string.Join(".", table.Split('.').Select(p => "\"" + p + "\""));

    [Fact]
    public async Task Upsert_SameKeysTwice_KeepsOneRowPerKeyWithLatestValues()
    {
        await using var sink = Sink(WriteDisposition.Upsert);

        await WriteAsync(sink, Context(0, null, Token(1, "w")), Orders(0, 50));
        await WriteAsync(sink, Context(0, null, Token(1, "w")), [.. Orders(40, 20, "-v2"), .. Orders(45, 1, "-v3")]);

        var rows = await RowsAsync();
        rows.Should().HaveCount(60);
        rows.Should().Contain("39|3|customer-39|48.75|NULL").And.Contain("41|1|customer-41-v2|51.25|n41").And.Contain("45|1|customer-45-v3|56.25|NULL");
    }

    [Fact]
    public async Task Append_ChunkReplayedByWriterAtPreviousPosition_IsNotDuplicated()
    {
        await using var sink = Sink(WriteDisposition.Append);
        var first = Orders(0, 100);

        (await WriteAsync(sink, Context(1, null, Token(1, "w")), first, complete: false)).Should().Be(100);

        // The commit's outcome was unknown: a new writer opened at the previous checkpoint writes the same chunk again.
        (await WriteAsync(sink, Context(1, null, Token(1, "w")), first, complete: false)).Should().Be(100);
        (await WriteAsync(sink, Context(1, 100, Token(1, "w")), Orders(100, 50))).Should().Be(150);

        (await _schema.ScalarAsync<long>($"SELECT count(*) FROM {Pg(Table)}")).Should().Be(150);
        (await _schema.ScalarAsync<long>($"SELECT count(DISTINCT _bk_ordinal) FROM {Pg(Table)}")).Should().Be(150);
        (await _schema.ScalarAsync<long>($"SELECT max(_bk_ordinal) FROM {Pg(Table)}")).Should().Be(149);
    }

    [Fact]
    public async Task Append_ResumedWriter_DropsRowsPastTheCheckpointFromTheEarlierAttempt()
    {
        await using var sink = Sink(WriteDisposition.Append);
        await WriteAsync(sink, Context(1, null, Token(1, "w")), Orders(0, 100), complete: false);
        await WriteAsync(sink, Context(1, 100, Token(1, "w")), Orders(100, 100, "-lost"), complete: false); // committed, but its checkpoint never was

        await WriteAsync(sink, Context(1, 100, Token(2, "w2")), Orders(100, 100, "-again"));

        var rows = await RowsAsync();
        rows.Should().HaveCount(200);
        rows.Should().NotContain(r => r.Contains("-lost"));
    }

    [Fact]
    public async Task ReplacePartition_CompletedPartition_ReplacesOnlyItsSliceAndRepeatsHarmlessly()
    {
        await using var sink = Sink(WriteDisposition.ReplacePartition);
        var all = Orders(0, 40);
        for (var bucket = 0; bucket < 4; bucket++)
        {
            await WriteAsync(sink, Context(bucket, null, Token(1, "w")), all.Where(o => o.Bucket == bucket).ToArray());
        }

        var newBucket2 = Orders(100, 8).Select(o => o with { Bucket = 2 }).ToArray();
        await using (var writer = await sink.OpenAsync(Context(2, null, Token(2, "w2")), default))
        {
            await writer.WriteAsync(newBucket2.AsMemory(0, 5), default);
            await writer.CommitAsync(default);
            (await _schema.ScalarAsync<long>($"SELECT count(*) FROM {Pg(Table)} WHERE bucket = 2")).Should().Be(10, "staged rows are invisible until the partition completes");
            await writer.WriteAsync(newBucket2.AsMemory(5), default);
            await writer.CommitAsync(default);
            await writer.CompleteAsync(default);
        }

        // A crash after the publish but before the partition was marked completed: the next attempt completes again.
        await using (var again = await sink.OpenAsync(Context(2, 8, Token(3, "w3")), default))
        {
            await again.CompleteAsync(default);
        }

        (await _schema.RowsAsync($"SELECT id FROM {Pg(Table)} WHERE bucket = 2 ORDER BY id")).Should().Equal(newBucket2.Select(o => o.Id.ToString()));
        (await _schema.ScalarAsync<long>($"SELECT count(*) FROM {Pg(Table)} WHERE bucket <> 2")).Should().Be(30);
        (await _schema.ScalarAsync<long>($"SELECT count(*) FROM {Pg(Table + "__bk_stage")}")).Should().Be(0);
    }

    [Theory]
    [InlineData(WriteDisposition.Upsert)]
    [InlineData(WriteDisposition.Append)]
    [InlineData(WriteDisposition.ReplacePartition)]
    public async Task StaleWriter_CommitsAfterLaterEpochWrote_ThrowsLeaseLostAndChangesNothing(WriteDisposition disposition)
    {
        await using var sink = Sink(disposition);
        await using var stale = await sink.OpenAsync(Context(3, null, Token(1, "paused")), default);
        await WriteAsync(sink, Context(3, null, Token(2, "taker")), Orders(0, 20).Select(o => o with { Bucket = 3 }).ToArray());
        var before = await RowsAsync();
        var staged = disposition == WriteDisposition.ReplacePartition ? await _schema.ScalarAsync<long>($"SELECT count(*) FROM {Pg(Table + "__bk_stage")}") : 0;

        var write = async () =>
        {
            await stale.WriteAsync(Orders(0, 30, "-stale").Select(o => o with { Bucket = 3 }).ToArray(), default);
            await stale.CommitAsync(default);
            await stale.CompleteAsync(default);
        };

        var error = (await write.Should().ThrowAsync<LeaseLostException>()).Which;
        error.IsTransient.Should().BeFalse();
        error.PartitionId.Should().Be("bucket-3");
        error.Message.Should().Contain("orders").And.Contain("epoch 2").And.Contain("epoch 1").And.Contain("taker");
        (await RowsAsync()).Should().Equal(before);
        if (disposition == WriteDisposition.ReplacePartition)
        {
            (await _schema.ScalarAsync<long>($"SELECT count(*) FROM {Pg(Table + "__bk_stage")}")).Should().Be(staged);
        }
    }

    [Fact]
    public async Task OpenAsync_TableLacksMappedColumn_FailsNamingTableAndColumns()
    {
        await _schema.ExecuteAsync($"CREATE TABLE {Pg(Table)} (id bigint PRIMARY KEY, bucket int, customer text)");
        await using var sink = new PostgresSink<Order>(new PostgresTableMapping<Order>(Table).HasKey(o => o.Id), new PostgresSinkOptions { DataSource = _schema.DataSource });

        var act = () => sink.OpenAsync(Context(0, null, Token(1, "w")), default).AsTask();

        var error = (await act.Should().ThrowAsync<BatchKitException>()).Which;
        error.IsTransient.Should().BeFalse();
        error.Message.Should().Contain("orders").And.Contain("'amount'").And.Contain("'placed_at'").And.Contain("'note'").And.Contain("found columns 'id', 'bucket', 'customer'");
    }

    [Fact]
    public async Task CommitAsync_PropertyOfAnotherTypeThanItsColumn_FailsAtOnceNamingPropertyRecordColumnAndType_WritingNothing()
    {
        await _schema.ExecuteAsync($"CREATE TABLE {Pg(Table)} (id bigint PRIMARY KEY, bucket uuid, customer text, amount numeric, placed_at timestamptz, note text)");
        await using var sink = new PostgresSink<Order>(new PostgresTableMapping<Order>(Table).HasKey(o => o.Id), new PostgresSinkOptions { DataSource = _schema.DataSource, Disposition = WriteDisposition.Upsert });
        await using var writer = await sink.OpenAsync(Context(0, null, Token(1, "w")), default);
        await writer.WriteAsync(Orders(0, 3), default);

        var act = () => writer.CommitAsync(default).AsTask();

        var error = (await act.Should().ThrowAsync<BatchKitException>()).Which;
        error.IsTransient.Should().BeFalse("a value of the wrong type never fits, however often it is retried");
        error.Message.Should().Contain("Order.Bucket (Int32) of record 0 of partition 'bucket-0' to column 'bucket' of type uuid");
        (await _schema.ScalarAsync<long>($"SELECT count(*) FROM {Pg(Table)}")).Should().Be(0);
    }

    [Fact]
    public async Task Writers_MoreThanTheConnectionBudget_NeverUseMoreConnections()
    {
        await using var sink = new PostgresSink<Order>(
            new PostgresTableMapping<Order>(Table).HasKey(o => o.Id),
            new PostgresSinkOptions { DataSource = _schema.DataSource, CreateTable = true, MaxConnections = 2 });
        await WriteAsync(sink, Context(0, null, Token(1, "w")), Orders(0, 1));
        var peak = 0;
        using var stop = new CancellationTokenSource();
        var watch = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var busy = await _schema.ScalarAsync<int>($"SELECT count(*) FROM pg_stat_activity WHERE state <> 'idle' AND query LIKE '%{_schema.Name}%orders%' AND query NOT LIKE '%pg_stat_activity%'");
                peak = Math.Max(peak, busy);
            }
        });

        await Task.WhenAll(Enumerable.Range(0, 8).Select(b => WriteAsync(sink, Context(b, null, Token(1, "w")), Orders(b * 20_000, 20_000))));
        await stop.CancelAsync();
        await watch;

        (await _schema.ScalarAsync<long>($"SELECT count(*) FROM {Pg(Table)}")).Should().Be(160_000);
        peak.Should().BeInRange(1, 2);
    }
}
