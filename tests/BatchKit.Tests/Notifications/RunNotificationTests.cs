using System.Text.Json;
using BatchKit.Tests.Support;
using BatchKit.Tests.Telemetry;
using Microsoft.Extensions.Logging;

namespace BatchKit.Tests.Notifications;

/// <summary>Completion notifications of real runs (JSON Lines files, SQLite store) posted to a real HTTP endpoint on 127.0.0.1.</summary>
public sealed class RunNotificationTests
{
    private static readonly RunParameters Date = RunParameters.Of("date", new DateOnly(2026, 12, 1));

    [Fact]
    public async Task RunAsync_WebhookFailsFirst_RunCompletesWithNotificationPendingAndTheRerunDeliversItOnce()
    {
        using var temp = new TempDirectory();
        await using var receiver = new WebhookReceiver(failures: 1);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var provider = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(provider));
        Items.WriteJsonLines(temp.File("input"), 2, 25);
        await using var store = new SqliteCheckpointStore(temp.File("state.db"));
        var job = Job.Create("notify-webhook")
            .ReadFrom(new JsonLinesSource<Item>())
            .PartitionBy(Partitioners.Files(temp.File("input"), "*.jsonl"))
            .WriteTo(new JsonLinesSink<Item>(temp.File("output")))
            .Configure(o => o.Retry.MaxRetries = 0) // the first delivery fails for good in the first run
            .OnCompleted(new WebhookNotifier(http, receiver.Uri))
            .UseLoggerFactory(factory)
            .UseCheckpointStore(store)
            .Build();
        var runner = new JobRunner(job);

        var first = await runner.RunAsync(Date);

        first.Status.Should().Be(RunStatus.Completed, "a failed notification never makes a completed run incomplete");
        first.NotificationPending.Should().BeTrue();
        (await store.GetRunAsync(first.RunKey.Value, CancellationToken.None))!.Status.Should().Be(RunStatus.Completed);
        var pending = await store.GetNotificationAsync(first.RunKey.Value, CancellationToken.None);
        pending.Should().NotBeNull();
        pending!.IsPending.Should().BeTrue();
        pending.Attempts.Should().Be(1);
        pending.LastError.Should().Contain("500").And.Contain(receiver.Uri.ToString());
        pending.EventId.Should().Be(first.RunKey.Value + ":1");
        receiver.Requests.Should().ContainSingle().Which.Answered.Should().Be(500);
        provider.Events.Should().ContainSingle(e => e.EventId.Id == BatchKitEventId.NotificationFailed).Which.Level.Should().Be(LogLevel.Warning);

        var second = await runner.RunAsync(Date);

        second.WasAlreadyCompleted.Should().BeTrue();
        second.NotificationPending.Should().BeFalse();
        var requests = receiver.Requests.ToList();
        requests.Should().HaveCount(2);
        requests[1].Answered.Should().Be(200);
        requests.Select(r => r.IdempotencyKey).Should().Equal(pending.EventId, pending.EventId);
        requests.Select(r => r.EventId).Should().Equal(pending.EventId, pending.EventId);
        requests[1].Body.Should().Be(requests[0].Body, "a redelivery sends the recorded event as it is");
        requests[1].Method.Should().Be("POST");
        requests[1].ContentType.Should().StartWith("application/json");
        using (var body = JsonDocument.Parse(requests[1].Body))
        {
            body.RootElement.GetProperty("jobName").GetString().Should().Be("notify-webhook");
            body.RootElement.GetProperty("runKey").GetString().Should().Be(first.RunKey.Value);
            body.RootElement.GetProperty("status").GetString().Should().Be("Completed");
            body.RootElement.GetProperty("recordsWritten").GetInt64().Should().Be(50);
        }

        var delivered = await store.GetNotificationAsync(first.RunKey.Value, CancellationToken.None);
        delivered!.IsPending.Should().BeFalse();
        delivered.Attempts.Should().Be(2);
        delivered.EventId.Should().Be(pending.EventId);
        provider.Events.Should().ContainSingle(e => e.EventId.Id == BatchKitEventId.NotificationDelivered);

        var third = await runner.RunAsync(Date);

        third.WasAlreadyCompleted.Should().BeTrue();
        third.NotificationPending.Should().BeFalse();
        receiver.Requests.Should().HaveCount(2, "a delivered notification is not sent again");
        Items.ReadOutput(temp.File("output")).Should().HaveCount(50);
    }

    [Fact]
    public async Task RunAsync_WebhookFailsOnce_TheJobsRetryPolicyDeliversItInTheSameRun()
    {
        using var temp = new TempDirectory();
        await using var receiver = new WebhookReceiver(failures: 1);
        using var http = new HttpClient();
        Items.WriteJsonLines(temp.File("input"), 1, 10);
        await using var store = new SqliteCheckpointStore(temp.File("state.db"));
        var job = Job.Create("notify-retried")
            .ReadFrom(new JsonLinesSource<Item>())
            .PartitionBy(Partitioners.Files(temp.File("input"), "*.jsonl"))
            .WriteTo(new JsonLinesSink<Item>(temp.File("output")))
            .Configure(o =>
            {
                o.Retry.MaxRetries = 2;
                o.Retry.BaseDelay = TimeSpan.FromMilliseconds(10);
            })
            .OnCompleted(new WebhookNotifier(http, receiver.Uri))
            .UseCheckpointStore(store)
            .Build();

        var result = await new JobRunner(job).RunAsync(Date);

        result.Status.Should().Be(RunStatus.Completed);
        result.NotificationPending.Should().BeFalse();
        receiver.Requests.Select(r => r.Answered).Should().Equal(500, 200);
        receiver.Requests.Select(r => r.IdempotencyKey).Distinct().Should().ContainSingle();
    }

    [Fact]
    public async Task RunAsync_ReprocessedRun_NotifiesANewEventId()
    {
        using var temp = new TempDirectory();
        var seen = new List<RunCompletedEvent>();
        Items.WriteJsonLines(temp.File("input"), 1, 10);
        await using var store = new InMemoryCheckpointStore();
        var job = Job.Create("notify-reprocess")
            .ReadFrom(new JsonLinesSource<Item>())
            .PartitionBy(Partitioners.Files(temp.File("input"), "*.jsonl"))
            .WriteTo(new JsonLinesSink<Item>(temp.File("output")))
            .OnCompleted((e, _) =>
            {
                seen.Add(e);
                return ValueTask.CompletedTask;
            })
            .UseCheckpointStore(store)
            .Build();
        var runner = new JobRunner(job);

        await runner.RunAsync(Date);
        await runner.RunAsync(Date);
        await runner.RunAsync(Date, new RunOptions { Reprocess = true });

        seen.Select(e => e.EventId).Should().HaveCount(2).And.OnlyHaveUniqueItems();
        seen.Select(e => e.Attempt).Should().Equal(1, 2); // the second run found the run completed: not an attempt
        seen.Should().OnlyContain(e => e.RecordsWritten == 10 && e.Status == RunStatus.Completed);
    }

    [Fact]
    public async Task RunAsync_NotifierWithAStoreThatCannotRecordNotifications_FailsBeforeTheRun()
    {
        using var temp = new TempDirectory();
        Items.WriteJsonLines(temp.File("input"), 1, 10);
        await using var inner = new SqliteCheckpointStore(temp.File("state.db"));
        var job = Job.Create("notify-unsupported")
            .ReadFrom(new JsonLinesSource<Item>())
            .PartitionBy(Partitioners.Files(temp.File("input"), "*.jsonl"))
            .WriteTo(new JsonLinesSink<Item>(temp.File("output")))
            .OnCompleted((_, _) => ValueTask.CompletedTask)
            .UseCheckpointStore(new DelegatingCheckpointStore(inner))
            .Build();

        var run = () => new JobRunner(job).RunAsync(Date);

        (await run.Should().ThrowAsync<NotSupportedException>()).WithMessage("*notify-unsupported*does not record notifications*");
        (await inner.ListRunsAsync(null, 10, CancellationToken.None)).Should().BeEmpty("nothing was done");
    }
}
