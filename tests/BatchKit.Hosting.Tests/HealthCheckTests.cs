using System.Collections.Concurrent;
using BatchKit.Hosting.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace BatchKit.Hosting.Tests;

public sealed class HealthCheckTests
{
    private static readonly DateTimeOffset Start = new(2026, 6, 10, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task StoreCheck_SqliteFileThere_IsHealthyNamingTheFile()
    {
        using var dir = new TempDirectory();
        await using var host = Create(dir.File("state/state.db"), b => b.AddJob("numbers", (sp, job) => HostedTestJob.Numbers(job, new())));

        var entry = await CheckAsync(host, "batchkit-store");

        entry.Status.Should().Be(HealthStatus.Healthy);
        entry.Description.Should().Contain(dir.File("state/state.db"));
    }

    [Fact]
    public async Task StoreCheck_FolderDeleted_IsUnhealthyNamingTheFolder()
    {
        using var dir = new TempDirectory();
        var folder = dir.File("state");
        await using var host = Create(Path.Combine(folder, "state.db"), b => b.AddJob("numbers", (sp, job) => HostedTestJob.Numbers(job, new())));
        (await CheckAsync(host, "batchkit-store")).Status.Should().Be(HealthStatus.Healthy);

        Directory.Delete(folder, recursive: true);
        var entry = await CheckAsync(host, "batchkit-store");

        entry.Status.Should().Be(HealthStatus.Unhealthy);
        entry.Description.Should().Contain($"'{folder}'").And.Contain("does not exist");
    }

    [Fact]
    public async Task StoreCheck_FileReplacedByGarbage_IsUnhealthyNamingTheFile()
    {
        using var dir = new TempDirectory();
        var file = dir.File("state/state.db");
        await using var host = Create(file, b => b.AddJob("numbers", (sp, job) => HostedTestJob.Numbers(job, new())));
        (await CheckAsync(host, "batchkit-store")).Status.Should().Be(HealthStatus.Healthy);

        // Replaced (new inode), as a bad restore or a wrong volume would: the store's open connection still sees the old file.
        File.Delete(file);
        await File.WriteAllTextAsync(file, string.Concat(Enumerable.Repeat("this is not a SQLite database\n", 1000)));
        var entry = await CheckAsync(host, "batchkit-store");

        entry.Status.Should().Be(HealthStatus.Unhealthy);
        entry.Description.Should().Contain($"'{file}'").And.Contain("cannot be read");
    }

    [Fact]
    public async Task StoreCheck_FileReplacedByAnEmptyDatabase_IsUnhealthy()
    {
        using var dir = new TempDirectory();
        var file = dir.File("state/state.db");
        await using var host = Create(file, b => b.AddJob("numbers", (sp, job) => HostedTestJob.Numbers(job, new())));
        (await CheckAsync(host, "batchkit-store")).Status.Should().Be(HealthStatus.Healthy);

        File.Delete(file);
        await using (var other = new SqliteConnection($"Data Source={file};Pooling=False"))
        {
            await other.OpenAsync();
            await using var create = other.CreateCommand();
            create.CommandText = "CREATE TABLE unrelated (id INTEGER)";
            await create.ExecuteNonQueryAsync();
        }

        var entry = await CheckAsync(host, "batchkit-store");

        entry.Status.Should().Be(HealthStatus.Unhealthy);
        entry.Description.Should().Contain($"'{file}'").And.Contain("no BatchKit state");
    }

    [Fact]
    public async Task JobsCheck_LastRunSucceeded_IsHealthy()
    {
        using var dir = new TempDirectory();
        await using var host = Create(dir.File("state.db"), b => b.AddJob("numbers", (sp, job) => HostedTestJob.Numbers(job, new())));
        var run = await RunAsync(host, "numbers", 1);
        run.Status.Should().Be(RunStatus.Completed);

        var entry = await CheckAsync(host, "batchkit-jobs");

        entry.Status.Should().Be(HealthStatus.Healthy);
        entry.Data["numbers"].Should().Be("Completed");
    }

    [Fact]
    public async Task JobsCheck_LastRunFailed_IsUnhealthyNamingTheJobAndRun()
    {
        using var dir = new TempDirectory();
        await using var host = Create(dir.File("state.db"), b => b
            .AddJob("numbers", (sp, job) => HostedTestJob.Numbers(job, new()))
            .AddJob("broken", (sp, job) => job
                .ReadFrom(EnumerableSource<int>.FromList([1, 2, 3]))
                .Select<int>(i => i == 2 ? throw new BatchKitException("record 2 cannot be priced") { IsTransient = false } : i)
                .WriteTo(new DelegateSink<int>((_, _, _) => ValueTask.CompletedTask))));
        (await RunAsync(host, "numbers", 1)).Status.Should().Be(RunStatus.Completed);
        var failed = await RunAsync(host, "broken", 7);
        failed.Status.Should().Be(RunStatus.Failed);

        var entry = await CheckAsync(host, "batchkit-jobs");

        entry.Status.Should().Be(HealthStatus.Unhealthy);
        entry.Description.Should().Contain("broken: the last run (day=7) ended Failed").And.NotContain("numbers:");
        entry.Data["broken"].Should().Be("Failed");
        entry.Data["numbers"].Should().Be("Completed");
    }

    [Fact]
    public async Task JobsCheck_LastRunWithinSla_IsHealthy_AndPastIt_IsDegraded()
    {
        using var dir = new TempDirectory();
        FakeTimeProvider? clock = null;
        await using var host = Create(dir.File("state.db"), b => b.AddJob(
            "slow",
            (sp, job) => HostedTestJob.Numbers(job, new(), _ =>
            {
                clock!.Advance(TimeSpan.FromMinutes(1)); // each of the two chunks takes a minute of the job's clock
                return ValueTask.CompletedTask;
            }).Configure(o => o.LeaseDuration = TimeSpan.FromHours(1)),
            s => s.Sla = TimeSpan.FromMinutes(5)));
        clock = host.Time;

        (await RunAsync(host, "slow", 1)).Status.Should().Be(RunStatus.Completed);
        var within = await CheckAsync(host, "batchkit-jobs");

        within.Status.Should().Be(HealthStatus.Healthy, within.Description);

        await using var slower = Create(dir.File("state.db"), b => b.AddJob(
            "slow",
            (sp, job) => HostedTestJob.Numbers(job, new(), _ =>
            {
                clock.Advance(TimeSpan.FromMinutes(4)); // two chunks: 8 minutes against an SLA of 5
                return ValueTask.CompletedTask;
            }).Configure(o => o.LeaseDuration = TimeSpan.FromHours(1)),
            s => s.Sla = TimeSpan.FromMinutes(5)), clock);
        (await RunAsync(slower, "slow", 2)).Status.Should().Be(RunStatus.Completed);
        var past = await CheckAsync(slower, "batchkit-jobs");

        past.Status.Should().Be(HealthStatus.Degraded);
        past.Description.Should().Contain("slow:").And.Contain("past its SLA of 00:05:00");
    }

    private static HostedTestJob Create(string statePath, Action<BatchKitBuilder> jobs, FakeTimeProvider? time = null) =>
        HostedTestJob.Create(statePath, time ?? new FakeTimeProvider(Start), jobs, services: s => s.AddHealthChecks().AddBatchKitChecks());

    private static Task<RunResult> RunAsync(HostedTestJob host, string job, int day) =>
        new JobRunner(host.Host.Services.GetRequiredService<IBatchJobInventory>().GetJob(job)).RunAsync(RunParameters.Of("day", day));

    private static async Task<HealthReportEntry> CheckAsync(HostedTestJob host, string name)
    {
        var report = await host.Host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Name == name);
        return report.Entries[name];
    }
}
