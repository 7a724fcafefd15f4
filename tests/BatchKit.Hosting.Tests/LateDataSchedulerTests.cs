using System.Text.Json;
using BatchKit.Hosting.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BatchKit.Hosting.Tests;

/// <summary>
/// The reconciliation window of a schedule (<see cref="JobScheduleOptions.ReconcileWindow"/>): each daily occurrence also
/// reopens the completed runs of the earlier occurrences within the window whose input changed, and reprocesses only the
/// changed partitions; a change after a run left the window is not picked up.
/// </summary>
public sealed class LateDataSchedulerTests
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task DailySchedule_LateFileAndAppendedFileInYesterdaysFolder_NextOccurrenceReconcilesOnlyThoseWithinTheWindow()
    {
        using var dir = new TempDirectory();
        var input = dir.File("in");
        var output = dir.File("out");
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero));
        Write(input, "2026-06-01", "a.jsonl", 1, 100);
        Write(input, "2026-06-01", "b.jsonl", 1_001, 100);
        Write(input, "2026-06-01", "c.jsonl", 2_001, 100);
        foreach (var (date, first) in new[] { ("2026-06-02", 10_001), ("2026-06-03", 20_001), ("2026-06-04", 30_001) })
        {
            Write(input, date, "a.jsonl", first, 50);
        }

        await using var host = HostedTestJob.Create(dir.File("state.db"), time, b => b.AddJob(
            "daily-late",
            (sp, job) => Daily(job, input, output),
            s => { s.Cron = "0 0 6 * * *"; s.ReconcileWindow = TimeSpan.FromHours(48); }));
        await host.Host.StartAsync();
        var day = new RunKey("daily-late", RunParameters.Of("date", "2026-06-01"));

        time.Advance(TimeSpan.FromDays(1)); // 2026-06-02 06:00: business date 2026-06-01
        await host.WaitForRunsAsync("daily-late", 1);
        var before = Files(output, "2026-06-01");

        // Late data for 2026-06-01: a new file, and records appended to an existing one.
        Write(input, "2026-06-01", "b.jsonl", 1_101, 30, append: true);
        Write(input, "2026-06-01", "d.jsonl", 3_001, 40);
        time.Advance(TimeSpan.FromDays(1)); // 2026-06-03 06:00: business date 2026-06-02, then 2026-06-01 is reconciled
        await host.WaitForRunsAsync("daily-late", 2);
        await WaitForJoinsAsync(host, day, 2);
        var summary = await WaitForAsync(host, day, s => s.Status == RunStatus.Completed);

        summary.PartitionsReconciled.Should().Be(2);

        summary.Partitions.Should().Be(4);
        summary.LateArrivalRate.Should().Be(0.5);
        summary.RecordsRead.Should().Be(100 + 130 + 100 + 40);
        var reconciled = Files(output, "2026-06-01");
        reconciled.Should().BeEquivalentTo(await CleanRunAsync(dir, input, "2026-06-01"), "the day's output is record for record that of a clean run over its new input");
        reconciled["a.jsonl"].Should().Equal(before["a.jsonl"]);
        Files(output, "2026-06-02").Should().BeEquivalentTo(await CleanRunAsync(dir, input, "2026-06-02"), "the next day is processed normally");
        await using (var store = new SqliteCheckpointStore(host.StatePath))
        {
            var attempts = await ((ICheckpointStore)store).ListPartitionAttemptsAsync(day.Value, CancellationToken.None);
            attempts.GroupBy(a => a.PartitionId).ToDictionary(g => g.Key, g => g.Count())
                .Should().BeEquivalentTo(new Dictionary<string, int> { ["a"] = 1, ["b"] = 2, ["c"] = 1, ["d"] = 1 }, "only the changed and the new partition ran again");
        }

        time.Advance(TimeSpan.FromDays(1)); // 2026-06-04 06:00: 2026-06-03 runs; 06-02 and 06-01 are in the window, unchanged
        await host.WaitForRunsAsync("daily-late", 3);
        await WaitForJoinsAsync(host, day, 3);

        // A change after 2026-06-01 left the window (the 2026-06-05 occurrence reconciles 06-03 and 06-02 only).
        Write(input, "2026-06-01", "a.jsonl", 101, 10, append: true);
        time.Advance(TimeSpan.FromDays(1));
        await host.WaitForRunsAsync("daily-late", 4);
        await WaitForJoinsAsync(host, new RunKey("daily-late", RunParameters.Of("date", "2026-06-02")), 3);

        (await JoinsAsync(host, day)).Should().Be(3, "the run left the window: the schedule no longer opens it");

        Files(output, "2026-06-01")["a.jsonl"].Should().Equal(before["a.jsonl"], "late data outside the window needs a manual reprocess");

        // The manual reprocess picks it up.
        var manual = await new JobRunner(host.Host.Services.GetRequiredService<IBatchJobInventory>().GetJob("daily-late"))
            .RunAsync(day.Parameters, new RunOptions { ReprocessChangedInput = true });
        manual.PartitionsReconciled.Should().Be(1);
        Files(output, "2026-06-01").Should().BeEquivalentTo(await CleanRunAsync(dir, input, "2026-06-01"));
    }

    [Fact]
    public async Task Start_NonPositiveReconcileWindow_FailsTheStart()
    {
        using var dir = new TempDirectory();
        await using var host = HostedTestJob.Create(dir.File("state.db"), new FakeTimeProvider(), b => b.AddJob(
            "daily-late",
            (sp, job) => Daily(job, dir.File("in"), dir.File("out")),
            s => { s.Cron = "0 0 6 * * *"; s.ReconcileWindow = TimeSpan.Zero; }));

        var start = () => host.Host.StartAsync();

        await start.Should().ThrowAsync<Microsoft.Extensions.Options.OptionsValidationException>().WithMessage("*daily-late*ReconcileWindow must be positive*");
    }

    private static JobBuilder<Doubled> Daily(JobBuilder job, string input, string output) => job
        .ReadFrom(new JsonLinesSource<Item>())
        .PartitionBy(new DayFolderPartitioner(input))
        .Select(i => new Doubled(i.Id, i.Name, i.Value * 2))
        .WriteTo(new JsonLinesSink<Doubled>(output))
        .WithCommitInterval(25);

    private static async Task<Dictionary<string, string[]>> CleanRunAsync(TempDirectory dir, string input, string date)
    {
        var name = "clean-" + date + "-" + Guid.NewGuid().ToString("N")[..8]; // a fresh state and output each time
        await using var store = new SqliteCheckpointStore(dir.File(name + ".db"));
        var job = Daily(Job.Create("daily-late"), input, dir.File(name)).UseCheckpointStore(store).Build();
        (await new JobRunner(job).RunAsync(RunParameters.Of("date", date))).EnsureSucceeded();
        return Files(dir.File(name), date);
    }

    private static void Write(string root, string date, string file, long first, int count, bool append = false)
    {
        var folder = Path.Combine(root, "dt=" + date);
        Directory.CreateDirectory(folder);
        using var writer = new StreamWriter(Path.Combine(folder, file), append);
        for (var id = first; id < first + count; id++)
        {
            writer.WriteLine(JsonSerializer.Serialize(new Item(id, "item-" + id, (int)(id % 97)), Json));
        }
    }

    private static Dictionary<string, string[]> Files(string output, string date)
    {
        var folder = Path.Combine(output, "date=" + date);
        return Directory.Exists(folder) ? Directory.GetFiles(folder).ToDictionary(f => Path.GetFileName(f), File.ReadAllLines, StringComparer.Ordinal) : [];
    }

    private static async Task<RunSummary> WaitForAsync(HostedTestJob host, RunKey runKey, Func<RunSummary, bool> done)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        while (true)
        {
            await using (var store = new SqliteCheckpointStore(host.StatePath))
            {
                if (await new RunHistory(store).GetRunAsync(runKey.Value) is { } summary && done(summary))
                {
                    return summary;
                }
            }

            await Task.Delay(25, timeout.Token);
        }
    }

    private static async Task<int> JoinsAsync(HostedTestJob host, RunKey runKey)
    {
        await using var store = new SqliteCheckpointStore(host.StatePath);
        var attempts = await ((ICheckpointStore)store).ListRunAttemptsAsync(runKey.Value, CancellationToken.None);
        return attempts.All(a => a.EndedAt is not null) ? attempts.Count : -1;
    }

    private static async Task WaitForJoinsAsync(HostedTestJob host, RunKey runKey, int joins)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        while (await JoinsAsync(host, runKey) < joins)
        {
            await Task.Delay(25, timeout.Token);
        }
    }

    private sealed record Item(long Id, string Name, int Value);

    private sealed record Doubled(long Id, string Name, int Value);

    /// <summary>A daily input laid out as <c>dt=YYYY-MM-DD/*.jsonl</c>: one partition per file of the run's date folder.</summary>
    private sealed class DayFolderPartitioner(string root) : IPartitioner
    {
        public string Definition => $"jsonl files in '{root}/dt=<date>'";

        public ValueTask<IReadOnlyList<Partition>> PlanAsync(PartitionPlanContext context, CancellationToken cancellationToken) =>
            Partitioners.Files(Path.Combine(root, "dt=" + context.Parameters["date"]), "*.jsonl").PlanAsync(context, cancellationToken);
    }
}
