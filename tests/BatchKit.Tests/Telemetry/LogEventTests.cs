using System.Reflection;
using BatchKit.Tests.Support;
using Microsoft.Extensions.Logging;

namespace BatchKit.Tests.Telemetry;

/// <summary>The log events of real runs, captured through a logger factory with a provider that keeps every event.</summary>
public sealed class LogEventTests
{
    private static readonly RunParameters Date = RunParameters.Of("date", new DateOnly(2026, 12, 1));

    [Fact]
    public async Task RunAsync_WithSkippedRecords_LogsRunAndPartitionEventsAndSkippedCountsWithoutPayloads()
    {
        using var temp = new TempDirectory();
        var provider = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(provider));
        Items.WriteJsonLines(temp.File("input"), 2, 20, id => id == 7 ? "{\"id\": \"secret-payload-7\"}" : null);
        await using var store = new SqliteCheckpointStore(temp.File("state.db"));
        var job = Job.Create("log-events")
            .ReadFrom(new JsonLinesSource<Item>())
            .PartitionBy(Partitioners.Files(temp.File("input"), "*.jsonl"))
            .WriteTo(new JsonLinesSink<Item>(temp.File("output")))
            .WithCommitInterval(5)
            .Configure(o => o.MaxErrorRate = 1)
            .UseLoggerFactory(factory)
            .UseCheckpointStore(store)
            .Build();

        var result = await new JobRunner(job).RunAsync(Date);

        result.Status.Should().Be(RunStatus.Completed);
        result.Errors.Should().Be(1);
        var events = provider.Events.ToList();
        Single(events, BatchKitEventId.RunStarted, LogLevel.Information).Category.Should().Be("BatchKit.Job");
        Single(events, BatchKitEventId.RunEnded, LogLevel.Information).Message.Should().Contain("Completed");
        events.Where(e => e.EventId.Id == BatchKitEventId.PartitionStarted).Should().HaveCount(2).And.OnlyContain(e => e.Level == LogLevel.Debug && e.EventId.Name == "PartitionStarted");
        events.Where(e => e.EventId.Id == BatchKitEventId.PartitionCompleted).Should().HaveCount(2).And.OnlyContain(e => e.Level == LogLevel.Debug);
        var skipped = Single(events, BatchKitEventId.RecordsSkipped, LogLevel.Debug);
        skipped.EventId.Name.Should().Be(nameof(BatchKitEventId.RecordsSkipped));
        skipped.Message.Should().Contain("1 bad record(s)");
        events.Should().NotContain(e => e.Message.Contains("secret-payload-7"), "payloads are logged only when sensitive data logging is enabled");
        events.Should().NotContain(e => e.Level >= LogLevel.Error);

        var again = await new JobRunner(job).RunAsync(Date);

        again.WasAlreadyCompleted.Should().BeTrue();
        Single(provider.Events.ToList(), BatchKitEventId.RunAlreadyCompleted, LogLevel.Information);
    }

    [Fact]
    public async Task RunAsync_FailingThenRetriedPartition_LogsFailureRetryAndRunFailure()
    {
        using var temp = new TempDirectory();
        var provider = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(provider));
        Items.WriteJsonLines(temp.File("input"), 1, 10);
        var sink = new CollectingSink<Item> { BeforeWrite = _ => throw new IOException("the share is offline") };
        await using var store = new SqliteCheckpointStore(temp.File("state.db"));
        var job = Job.Create("log-failures")
            .ReadFrom(new JsonLinesSource<Item>())
            .PartitionBy(Partitioners.Files(temp.File("input"), "*.jsonl"))
            .WriteTo(sink)
            .Configure(o =>
            {
                o.Retry.MaxRetries = 0;
                o.Retry.BaseDelay = TimeSpan.FromMilliseconds(10);
                o.MaxPartitionAttempts = 2;
            })
            .UseLoggerFactory(factory)
            .UseCheckpointStore(store)
            .Build();

        var result = await new JobRunner(job).RunAsync(Date);

        result.Status.Should().Be(RunStatus.Failed);
        var events = provider.Events.ToList();
        events.Where(e => e.EventId.Id == BatchKitEventId.PartitionFailed).Should().HaveCount(2)
            .And.OnlyContain(e => e.Level == LogLevel.Error && e.Exception is IOException);
        Single(events, BatchKitEventId.PartitionRetrying, LogLevel.Warning).Message.Should().Contain("attempt 2");
        var failed = Single(events, BatchKitEventId.RunFailed, LogLevel.Error);
        failed.Exception.Should().BeOfType<PartitionFailedException>();
        failed.Message.Should().Contain("Failed");
    }

    [Fact]
    public void BatchKitEventId_Ids_AreUniqueAndNamed()
    {
        var ids = typeof(BatchKitEventId).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .Select(f => (f.Name, Id: (int)f.GetRawConstantValue()!))
            .ToList();

        ids.Should().HaveCountGreaterThan(20);
        ids.Select(i => i.Id).Should().OnlyHaveUniqueItems();
        ids.Should().Contain((nameof(BatchKitEventId.RunFailed), 1004)).And.Contain((nameof(BatchKitEventId.RecordsSkipped), 2007))
            .And.Contain((nameof(BatchKitEventId.PartitionRetrying), 2006)).And.Contain((nameof(BatchKitEventId.NotificationFailed), 1201));
    }

    private static CapturingLoggerProvider.LoggedEvent Single(IEnumerable<CapturingLoggerProvider.LoggedEvent> events, int id, LogLevel level)
    {
        var match = events.Where(e => e.EventId.Id == id).ToList();
        match.Should().ContainSingle($"event {id} is logged once");
        match[0].Level.Should().Be(level);
        return match[0];
    }
}
