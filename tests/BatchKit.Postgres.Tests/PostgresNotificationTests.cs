using BatchKit.Tests.Support;

namespace BatchKit.Postgres.Tests;

/// <summary>Completion notifications of a real run whose state is in PostgreSQL: a failed delivery stays pending and the rerun delivers it.</summary>
public sealed class PostgresNotificationTests : IAsyncLifetime
{
    private static readonly RunParameters Date = RunParameters.Of("date", new DateOnly(2026, 12, 1));
    private readonly TestSchema _schema = TestSchema.Create("bk_notify");

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _schema.DisposeAsync().AsTask();

    [Fact]
    public async Task RunAsync_NotifierFailsFirst_RerunDeliversTheSameEventOnce()
    {
        using var temp = new TempDirectory();
        Items.WriteJsonLines(temp.File("input"), 2, 20);
        var calls = new List<RunCompletedEvent>();
        await using var store = new PostgresCheckpointStore(new PostgresCheckpointStoreOptions { DataSource = _schema.DataSource, Schema = _schema.Name });
        var job = Job.Create("pg-notify")
            .ReadFrom(new JsonLinesSource<Item>())
            .PartitionBy(Partitioners.Files(temp.File("input"), "*.jsonl"))
            .WriteTo(new JsonLinesSink<Item>(temp.File("output")))
            .Configure(o => o.Retry.MaxRetries = 0)
            .OnCompleted((e, _) =>
            {
                calls.Add(e);
                return calls.Count == 1 ? throw new HttpRequestException("the receiver answered 503") : ValueTask.CompletedTask;
            })
            .UseCheckpointStore(store)
            .Build();
        var runner = new JobRunner(job);

        var first = await runner.RunAsync(Date);
        var pending = await store.GetNotificationAsync(first.RunKey.Value, default);
        var second = await runner.RunAsync(Date);
        var third = await runner.RunAsync(Date);

        first.Status.Should().Be(RunStatus.Completed);
        first.NotificationPending.Should().BeTrue();
        pending!.IsPending.Should().BeTrue();
        pending.LastError.Should().Contain("503");
        second.NotificationPending.Should().BeFalse();
        third.NotificationPending.Should().BeFalse();
        calls.Should().HaveCount(2);
        calls.Select(c => c.EventId).Should().Equal(first.RunKey.Value + ":1", first.RunKey.Value + ":1");
        calls[1].RecordsWritten.Should().Be(40);
        (await store.GetNotificationAsync(first.RunKey.Value, default))!.IsPending.Should().BeFalse();
    }
}
