using System.Collections.Concurrent;
using BatchKit.Hosting.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace BatchKit.Hosting.Tests;

/// <summary>
/// A scheduled run that a person cancels (<see cref="RunMaintenance.CancelRunAsync"/>) while the real scheduler runs it
/// over a SQLite store: the occurrence is recorded as cancelled, is not retried, the next occurrence runs normally, and
/// the jobs' health check is degraded naming who cancelled.
/// </summary>
public sealed class CancelledOccurrenceTests
{
    [Fact]
    public async Task ScheduledRun_CancelledByAPerson_IsLoggedOnce_NotRetried_NextOccurrenceRuns_HealthDegraded()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 6, 10, 12, 0, 0, TimeSpan.Zero));
        var written = new ConcurrentDictionary<string, int>();
        var logs = new LogCapture();
        var firstChunk = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var chunks = 0;
        await using var host = HostedTestJob.Create(
            dir.File("state.db"),
            time,
            b => b.AddJob(
                "nightly",
                (sp, job) => HostedTestJob.Numbers(job, written, async ct =>
                {
                    if (Interlocked.Increment(ref chunks) == 1)
                    {
                        firstChunk.TrySetResult();
                        await release.Task.WaitAsync(ct);
                    }
                }),
                s => s.Cron = "0 0 2 * * *"),
            services: s =>
            {
                s.AddSingleton<ILoggerProvider>(logs);
                s.AddHealthChecks().AddBatchKitChecks();
            });
        await host.Host.StartAsync();
        var first = new RunKey("nightly", RunParameters.Of("date", "2026-06-10"));

        time.Advance(TimeSpan.FromDays(1)); // 2026-06-11 02:00: business date 2026-06-10
        await firstChunk.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await using (var store = new SqliteCheckpointStore(host.StatePath))
        {
            await RunMaintenance.CancelRunAsync(store, first.Value, "ops@example.com");
        }

        release.TrySetResult();
        time.Advance(TimeSpan.FromSeconds(5)); // the claim loop's poll sees the request
        var runs = await host.WaitForRunsAsync("nightly", 1, RunStatus.Cancelled);
        await WaitForAsync(() => logs.Entries.Any(e => e.Category == "BatchKit.Hosting" && e.EventId.Id == BatchKitHostingEventId.OccurrenceCancelled));

        runs.Single(r => r.RunKey == first.Value).CancelRequestedBy.Should().Be("ops@example.com");
        var hosting = logs.Entries.Where(e => e.Category == "BatchKit.Hosting").ToList();
        var cancelled = hosting.Where(e => e.EventId.Id == BatchKitHostingEventId.OccurrenceCancelled).Should().ContainSingle().Subject;
        cancelled.Level.Should().Be(LogLevel.Information);
        cancelled.Message.Should().Contain("nightly").And.Contain(first.ToString()).And.Contain("ops@example.com");
        hosting.Should().NotContain(e => e.Level >= LogLevel.Warning, "a cancelled run is neither a failure nor a warning of the scheduler");
        hosting.Should().NotContain(e => e.EventId.Id == BatchKitHostingEventId.OccurrenceEnded && e.Message.Contains(first.ToString(), StringComparison.Ordinal));

        var health = await CheckAsync(host);
        health.Status.Should().Be(HealthStatus.Degraded, health.Description);
        health.Description.Should().Contain("nightly: the last run (date=2026-06-10) was cancelled by ops@example.com");
        health.Data["nightly"].Should().Be("Cancelled");

        // The next occurrence runs normally; the cancelled one is not run again.
        time.Advance(TimeSpan.FromDays(1)); // 2026-06-12 02:00: business date 2026-06-11
        runs = await host.WaitForRunsAsync("nightly", 1);
        runs.Single(r => r.Status == RunStatus.Completed).RunKey.Should().Be(new RunKey("nightly", RunParameters.Of("date", "2026-06-11")).Value);
        written[new RunKey("nightly", RunParameters.Of("date", "2026-06-11")).ToString()].Should().Be(10);
        await using (var store = new SqliteCheckpointStore(host.StatePath))
        {
            (await ((ICheckpointStore)store).ListRunAttemptsAsync(first.Value, CancellationToken.None)).Should().ContainSingle("the scheduler does not retry a cancelled run");
        }

        runs.Single(r => r.RunKey == first.Value).Status.Should().Be(RunStatus.Cancelled);
        (await CheckAsync(host)).Status.Should().Be(HealthStatus.Healthy, "the last run of the job completed");
        logs.Entries.Where(e => e.EventId.Id == BatchKitHostingEventId.OccurrenceCancelled).Should().ContainSingle();
    }

    private static async Task<HealthReportEntry> CheckAsync(HostedTestJob host)
    {
        var report = await host.Host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Name == "batchkit-jobs");
        return report.Entries["batchkit-jobs"];
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!condition())
        {
            await Task.Delay(25, timeout.Token);
        }
    }
}
