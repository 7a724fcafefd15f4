using System.Collections.Concurrent;
using BatchKit.Hosting.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace BatchKit.Hosting.Tests;

public sealed class JobOptionsConfigurationTests
{
    [Fact]
    public async Task Start_JobOptionOutOfRangeInConfiguration_FailsNamingJobPropertyExpectedAndFound()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider();
        var built = 0;
        await using var host = HostedTestJob.Create(
            dir.File("state.db"),
            time,
            b => b.AddJob("nightly", (sp, job) => { built++; return HostedTestJob.Numbers(job, new()); }, s => s.Cron = "0 30 2 * * *"),
            new Dictionary<string, string?>
            {
                ["BatchKit:Jobs:nightly:Options:CommitInterval"] = "0",
                ["BatchKit:Jobs:nightly:Options:MaxErrorRate"] = "2",
                ["BatchKit:Jobs:nightly:Options:Retry:MaxRetries"] = "-1",
            });

        var start = () => host.Host.StartAsync();

        var error = (await start.Should().ThrowAsync<OptionsValidationException>()).Which;
        error.OptionsType.Should().Be<JobOptions>();
        error.OptionsName.Should().Be("nightly");
        error.Failures.Should().Equal(
            "The job 'nightly' (configuration section BatchKit:Jobs:nightly:Options): JobOptions.CommitInterval must be at least 1, found 0.",
            "The job 'nightly' (configuration section BatchKit:Jobs:nightly:Options): JobOptions.MaxErrorRate must be between 0 and 1, found 2.",
            "The job 'nightly' (configuration section BatchKit:Jobs:nightly:Options): JobOptions.Retry.MaxRetries must be at least 0, found -1.");
        built.Should().Be(0, "the options fail the start before any job is built");
    }

    [Fact]
    public async Task Start_ValidJobOptionsInConfiguration_AppliesThemOverTheCode()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero));
        var written = new ConcurrentDictionary<string, int>();
        var chunkSizes = new ConcurrentBag<int>();
        await using var host = HostedTestJob.Create(
            dir.File("state.db"),
            time,
            b => b.AddJob(
                "hourly",
                (sp, job) => job
                    .ReadFrom(EnumerableSource<int>.FromList(Enumerable.Range(1, 10).ToList()))
                    .WriteTo(new DelegateSink<int>((context, records, ct) =>
                    {
                        chunkSizes.Add(records.Length);
                        written.AddOrUpdate(context.RunKey.ToString(), records.Length, (_, n) => n + records.Length);
                        return ValueTask.CompletedTask;
                    }))
                    .WithCommitInterval(5),
                s => s.Cron = "0 0 * * * *",
                HostedTestJob.DateAndInstant),
            new Dictionary<string, string?> { ["BatchKit:Jobs:hourly:Options:CommitInterval"] = "3" });
        await host.Host.StartAsync();

        time.Advance(TimeSpan.FromHours(1));
        await host.WaitForRunsAsync("hourly", 1);

        chunkSizes.Should().BeEquivalentTo([3, 3, 3, 1], "configuration's CommitInterval wins over the code's 5");
        host.Host.Services.GetRequiredService<IOptionsMonitor<JobOptions>>().Get("hourly").CommitInterval.Should().Be(3);
    }
}
