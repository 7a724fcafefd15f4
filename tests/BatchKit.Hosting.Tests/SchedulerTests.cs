using System.Collections.Concurrent;
using BatchKit.Hosting.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace BatchKit.Hosting.Tests;

public sealed class SchedulerTests
{
    [Theory]
    [InlineData("Europe/Berlin", "2026-03-27T12:00:00Z", "2026-03-28T01:30:00Z|2026-03-29T01:00:00Z|2026-03-30T00:30:00Z")]
    [InlineData("Europe/Berlin", "2026-10-23T12:00:00Z", "2026-10-24T00:30:00Z|2026-10-25T00:30:00Z|2026-10-26T01:30:00Z")]
    [InlineData("America/New_York", "2026-03-06T12:00:00Z", "2026-03-07T07:30:00Z|2026-03-08T07:00:00Z|2026-03-09T06:30:00Z")]
    [InlineData("America/New_York", "2026-10-30T12:00:00Z", "2026-10-31T06:30:00Z|2026-11-01T07:30:00Z|2026-11-02T07:30:00Z")]
    public async Task Host_0230LocalAcrossDst_RunsOncePerDay(string zone, string start, string expected)
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(DateTimeOffset.Parse(start));
        var written = new ConcurrentDictionary<string, int>();
        await using var host = HostedTestJob.Create(dir.File("state.db"), time, b => b.AddJob(
            "dst",
            (sp, job) => HostedTestJob.Numbers(job, written),
            s => { s.Cron = "0 30 2 * * *"; s.TimeZone = zone; },
            HostedTestJob.DateAndInstant));
        await host.Host.StartAsync();

        time.Advance(TimeSpan.FromDays(3)); // past three local 02:30s, the transition day in the middle
        var runs = await host.WaitForRunsAsync("dst", 3);

        runs.Select(r => Parameter(r, "at")).Order().Should().Equal(expected.Split('|'));
        runs.Should().OnlyContain(r => r.Attempts == 1 && r.Status == RunStatus.Completed);
        written.Values.Should().OnlyContain(n => n == 10);
        var dates = runs.Select(r => Parameter(r, "date")).ToList();
        dates.Should().OnlyHaveUniqueItems("each local day's occurrence has its own business date");
    }

    [Fact]
    public async Task ManualRunOfADay_IsTheScheduledRun_SoTheScheduleDoesNothing()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 6, 10, 12, 0, 0, TimeSpan.Zero));
        var written = new ConcurrentDictionary<string, int>();
        await using var host = HostedTestJob.Create(dir.File("state.db"), time, b => b.AddJob(
            "nightly",
            (sp, job) => HostedTestJob.Numbers(job, written),
            s => { s.Cron = "0 30 2 * * *"; s.TimeZone = "Europe/Berlin"; }));
        await host.Host.StartAsync();
        var inventory = host.Host.Services.GetRequiredService<IBatchJobInventory>();

        // A person reruns 2026-06-10 by hand before the 2026-06-11 02:30 occurrence (business date 2026-06-10) falls due.
        var manual = await new JobRunner(inventory.GetJob("nightly")).RunAsync(RunParameters.Of("date", new DateOnly(2026, 6, 10)));
        manual.Status.Should().Be(RunStatus.Completed);
        inventory.GetRunParameters("nightly", new DateTimeOffset(2026, 6, 11, 2, 30, 0, TimeSpan.FromHours(2)))
            .Should().Equal(RunParameters.Of("date", "2026-06-10"));

        time.Advance(TimeSpan.FromDays(1));
        var runs = await host.WaitForRunsAsync("nightly", 1);
        // The scheduled occurrence opened the same RunKey and found it completed: its join is in the history, but it is
        // not an attempt at the run.
        (await WaitForJoinsAsync(host, manual.RunKey.Value, 2)).Should().Be(2);
        (await host.RunsAsync("nightly")).Should().ContainSingle().Which.Attempts.Should().Be(1);

        runs.Should().ContainSingle();
        written.Should().ContainSingle().Which.Value.Should().Be(10, "the scheduled run of the same day did not write again");
    }

    [Theory]
    [InlineData(MisfirePolicy.Skip, 0, "2026-06-06")]
    [InlineData(MisfirePolicy.RunOnce, 1, "2026-06-05|2026-06-06")]
    [InlineData(MisfirePolicy.CatchUp, 3, "2026-06-03|2026-06-04|2026-06-05|2026-06-06")]
    public async Task Restart_AfterMissedOccurrences_FollowsTheMisfirePolicy(MisfirePolicy policy, int missedRun, string expectedAfterRestart)
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero));
        var written = new ConcurrentDictionary<string, int>();
        void Jobs(BatchKitBuilder b) => b.AddJob(
            "daily",
            (sp, job) => HostedTestJob.Numbers(job, written),
            s => { s.Cron = "0 0 6 * * *"; s.Misfire = policy; s.MaxCatchUp = 3; });

        await using (var first = HostedTestJob.Create(dir.File("state.db"), time, Jobs))
        {
            await first.Host.StartAsync();
            time.Advance(TimeSpan.FromDays(1)); // 2026-06-02 06:00: business date 2026-06-01
            await first.WaitForRunsAsync("daily", 1);
        }

        // Down from 2026-06-02 12:00 to 2026-06-06 12:00: the occurrences of 06-03 … 06-06 06:00 (four) are missed.
        time.Advance(TimeSpan.FromDays(4));
        await using var second = HostedTestJob.Create(dir.File("state.db"), time, Jobs);
        await second.Host.StartAsync();
        time.Advance(TimeSpan.FromDays(1)); // the next regular occurrence, 2026-06-07 06:00 (business date 06-06)
        var runs = await second.WaitForRunsAsync("daily", 1 + missedRun + 1);

        runs.Select(r => r.Parameters).Order().Should().Equal(new[] { "2026-06-01" }.Concat(expectedAfterRestart.Split('|')).Select(d => "date=" + d));
        runs.Should().OnlyContain(r => r.Attempts == 1);
    }

    [Fact]
    public async Task MaxConcurrentJobs_LimitsJobsRunningAtOnce()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero));
        var written = new ConcurrentDictionary<string, int>();
        var running = 0;
        var peak = 0;
        async ValueTask Chunk(CancellationToken ct)
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref peak, now);
            await Task.Delay(100, ct); // real time: the jobs overlap unless the limit keeps them apart
            Interlocked.Decrement(ref running);
        }

        await using var host = HostedTestJob.Create(
            dir.File("state.db"),
            time,
            b =>
            {
                foreach (var name in new[] { "a", "b", "c" })
                {
                    b.AddJob(name, (sp, job) => HostedTestJob.Numbers(job, written, Chunk).WithParallelism(1), s => s.Cron = "0 0 13 * * *");
                }
            },
            new Dictionary<string, string?> { ["BatchKit:MaxConcurrentJobs"] = "1" });
        await host.Host.StartAsync();

        time.Advance(TimeSpan.FromHours(1));
        foreach (var name in new[] { "a", "b", "c" })
        {
            await host.WaitForRunsAsync(name, 1);
        }

        peak.Should().Be(1, "MaxConcurrentJobs = 1 from configuration");
        written.Should().HaveCount(3);
    }

    [Fact]
    public async Task TwoHostsOnOneState_EachOccurrenceRunsOnce()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero));
        var written = new ConcurrentDictionary<string, int>();
        void Jobs(BatchKitBuilder b) => b.AddJob("hourly", (sp, job) => HostedTestJob.Numbers(job, written), s => s.Cron = "0 * * * *", HostedTestJob.DateAndInstant);
        await using var one = HostedTestJob.Create(dir.File("state.db"), time, Jobs);
        await using var two = HostedTestJob.Create(dir.File("state.db"), time, Jobs);
        await one.Host.StartAsync();
        await two.Host.StartAsync();

        time.Advance(TimeSpan.FromHours(6));
        var runs = await one.WaitForRunsAsync("hourly", 6);

        runs.Should().HaveCount(6).And.OnlyContain(r => r.Attempts == 1 && r.Status == RunStatus.Completed, "one host claimed and ran each occurrence");
        written.Should().HaveCount(6).And.OnlyContain(p => p.Value == 10);
    }

    [Fact]
    public async Task Start_InvalidConfiguration_FailsWithEveryProblem()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider();
        await using var host = HostedTestJob.Create(
            dir.File("state.db"),
            time,
            b => b.AddJob("nightly", (sp, job) => HostedTestJob.Numbers(job, new()), s => s.Cron = "0 30 2 * * *"),
            new Dictionary<string, string?>
            {
                ["BatchKit:MaxConcurrentJobs"] = "0",
                ["BatchKit:Jobs:nightly:Cron"] = "0 30 2 * * * *",
                ["BatchKit:Jobs:nightly:TimeZone"] = "Europe/Nowhere",
                ["BatchKit:Jobs:nightly:MaxCatchUp"] = "0",
                ["BatchKit:Jobs:nigthly:Cron"] = "0 0 1 * * *",
            });

        var start = () => host.Host.StartAsync();

        var error = (await start.Should().ThrowAsync<OptionsValidationException>()).Which;
        error.Failures.Should().Contain(f => f.Contains("MaxConcurrentJobs"))
            .And.Contain(f => f.Contains("nightly") && f.Contains("MaxCatchUp"))
            .And.Contain(f => f.Contains("Europe/Nowhere"))
            .And.Contain(f => f.Contains("'nigthly', which is not registered"));
    }

    [Fact]
    public async Task Configuration_OverridesTheCodeSchedule()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero));
        await using var host = HostedTestJob.Create(
            dir.File("state.db"),
            time,
            b => b.AddJob("nightly", (sp, job) => HostedTestJob.Numbers(job, new()), s => { s.Cron = "0 30 2 * * *"; s.Input = "numbers"; s.Priority = 5; }),
            new Dictionary<string, string?> { ["BatchKit:Jobs:nightly:Cron"] = "0 0 20 * * *", ["BatchKit:Jobs:nightly:TimeZone"] = "America/New_York" });
        await host.Host.StartAsync();

        var jobs = await host.Host.Services.GetRequiredService<IBatchJobInventory>().GetJobsAsync(default);

        var job = jobs.Should().ContainSingle().Subject;
        job.Cron.Should().Be("0 0 20 * * *");
        job.TimeZone.Should().Be("America/New_York");
        job.Input.Should().Be("numbers", "what configuration does not name stays as the code set it");
        job.Priority.Should().Be(5);
        job.NextRun.Should().Be(new DateTimeOffset(2026, 6, 1, 20, 0, 0, TimeSpan.FromHours(-4)));
        job.Stages.Should().Equal("source", "sink");
        job.LastRun.Should().BeNull();
    }

    [Fact]
    public async Task Start_JobDefinitionError_FailsTheStart()
    {
        using var dir = new TempDirectory();
        await using var host = HostedTestJob.Create(dir.File("state.db"), new FakeTimeProvider(), b => b.AddJob(
            "broken",
            (sp, job) => job.ReadFrom(EnumerableSource<int>.FromList([1])).WithCommitInterval(0),
            s => s.Cron = "0 0 1 * * *"));

        var start = () => host.Host.StartAsync();

        await start.Should().ThrowAsync<JobValidationException>().WithMessage("*broken*CommitInterval*");
    }

    private static string Parameter(RunRecord run, string key) =>
        run.Parameters.Split(';').Select(p => p.Split('=', 2)).Single(p => p[0] == key)[1];

    private static async Task<int> WaitForJoinsAsync(HostedTestJob host, string runKey, int joins)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            await using (var store = new SqliteCheckpointStore(host.StatePath))
            {
                var attempts = await ((ICheckpointStore)store).ListRunAttemptsAsync(runKey, CancellationToken.None);
                if (attempts.Count >= joins && attempts.All(a => a.EndedAt is not null))
                {
                    return attempts.Count;
                }
            }

            await Task.Delay(25, timeout.Token);
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        for (var current = Volatile.Read(ref target); value > current; current = Volatile.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, current) == current)
            {
                return;
            }
        }
    }
}
