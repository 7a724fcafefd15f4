using System.Diagnostics;
using System.Security.Cryptography;
using BatchKit.Testing.Services;
using BatchKit.Tests.Support;

namespace BatchKit.Tests.Workers;

/// <summary>
/// Several worker processes (BatchKit.TestHost <c>worker</c>, <see cref="JobRunner.RunWorkerAsync"/>) share one run
/// through one SQLite state file: killed (SIGKILL) or paused (SIGSTOP past the partition lease) at any moment, the
/// others take its partitions over, and the output equals a clean single-process run's.
/// </summary>
public sealed partial class WorkerProcessTests
{
    private const int SigCont = 18;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task RunWorkerAsync_ThreeWorkersOneKilledAtRandomMoment_OutputEqualsCleanRun(int seed)
    {
        using var dir = new TempDirectory();
        Items.WriteJsonLines(dir.File("in"), files: 6, perFile: 1_500);
        var expected = await CleanRunAsync(dir);
        string[] Args(params string[] extra) => ["worker", "--state", dir.File("state.db"), "--input", dir.File("in"), "--output", dir.File("out"), "--commit", "50", "--slow-ms", "20", "--parallel", "1", "--lease-s", "5", .. extra];
        var workers = Enumerable.Range(0, 3).Select(i => TestHostProcess.Start(Args("--worker-index", i.ToString(System.Globalization.CultureInfo.InvariantCulture), "--worker-count", "3"))).ToList();
        var outputs = workers.Select(w => (Out: w.StandardOutput.ReadToEndAsync(), Err: w.StandardError.ReadToEndAsync())).ToList();
        try
        {
            var random = new Random(seed);
            var victim = random.Next(3);
            await Task.Delay(random.Next(300, 4_000));
            workers[victim].Kill(); // SIGKILL
            await workers[victim].WaitForExitAsync();
            for (var i = 0; i < 3; i++)
            {
                if (i == victim)
                {
                    continue;
                }

                await WaitForExitAsync(workers[i], TimeSpan.FromMinutes(2));
                workers[i].ExitCode.Should().Be(0, $"survivor {i} (seed {seed}, victim {victim}): " + await outputs[i].Out + await outputs[i].Err);
                (await outputs[i].Out).Should().Contain("status=Completed");
            }
        }
        finally
        {
            foreach (var worker in workers.Where(w => !w.HasExited))
            {
                worker.Kill(entireProcessTree: true);
            }
        }

        AssertOutput(dir.File("out"), expected);
        await using var store = new SqliteCheckpointStore(dir.File("state.db"));
        var run = (await store.ListRunsAsync("testhost-worker", 10, default)).Single();
        run.Status.Should().Be(RunStatus.Completed);
        (await store.GetPartitionStatesAsync(run.RunKey, default)).Should().OnlyContain(s => s.Status == PartitionStatus.Completed && s.LeaseOwner == null);
    }

    [Fact]
    public async Task RunWorkerAsync_WorkerPausedPastPartitionLease_OthersFinishAndWokenWorkerCommitsNothing()
    {
        using var dir = new TempDirectory();
        Items.WriteJsonLines(dir.File("in"), files: 4, perFile: 1_000);
        var expected = await CleanRunAsync(dir);
        var state = dir.File("state.db");
        var output = dir.File("out");
        string[] Args(params string[] extra) => ["worker", "--state", state, "--input", dir.File("in"), "--output", output, "--commit", "50", "--parallel", "2", "--lease-s", "2", .. extra];

        using var paused = TestHostProcess.Start(Args("--slow-ms", "60"));
        var pausedOut = paused.StandardOutput.ReadToEndAsync();
        var pausedErr = paused.StandardError.ReadToEndAsync();
        try
        {
            await using (var observer = new SqliteCheckpointStore(state))
            {
                // Pause it once it holds partitions and has committed output of them.
                await WaitUntilAsync(async () => (await HeldByAsync(observer, paused.Id)).Count == 2 && Partials(output).Any(f => new FileInfo(f).Length > 0), TimeSpan.FromSeconds(30));
            }

            // Outside a state write transaction: a process stopped inside one holds SQLite's file lock (see ProcessPause).
            await ProcessPause.StopOutsideStateWriteAsync(paused.Id, state);
            var taker = await TestHostProcess.RunAsync(Args());
            taker.ExitCode.Should().Be(0, taker.Output + taker.Error);
            taker.Output.Should().Contain("status=Completed");
            var published = Snapshot(output);
            var ledger = await LedgerAsync(state);
            published.Keys.Should().NotContain(k => k.EndsWith(".partial", StringComparison.Ordinal));

            Kill(paused.Id, SigCont).Should().Be(0, "the worker was woken");
            await WaitForExitAsync(paused, TimeSpan.FromSeconds(60));

            var woken = await pausedOut + await pausedErr;
            paused.ExitCode.Should().Be(0, "the woken worker finds the run completed by the other: " + woken);
            woken.Should().Contain("status=Completed");
            Snapshot(output).Should().BeEquivalentTo(published, "the woken worker changed no output file");
            (await LedgerAsync(state)).Should().Equal(ledger, "the woken worker changed no state");
        }
        finally
        {
            if (!paused.HasExited)
            {
                _ = Kill(paused.Id, SigCont);
                paused.Kill(entireProcessTree: true);
            }
        }

        AssertOutput(output, expected);
    }

    [Fact]
    public async Task RunWorkerAsync_TwoRunKeysOnTheSameTwoWorkers_BothCompleteWithCleanOutput()
    {
        using var dir = new TempDirectory();
        Items.WriteJsonLines(dir.File("in"), files: 4, perFile: 800);
        var expected = await CleanRunAsync(dir);
        string[] Args(int index) => ["worker", "--state", dir.File("state.db"), "--input", dir.File("in"), "--output", dir.File("out"), "--commit", "50", "--slow-ms", "10", "--lease-s", "5",
            "--date", "2026-11-22,2026-11-23", "--worker-index", index.ToString(System.Globalization.CultureInfo.InvariantCulture), "--worker-count", "2"];

        var results = await Task.WhenAll(TestHostProcess.RunAsync(Args(0)), TestHostProcess.RunAsync(Args(1)));

        foreach (var result in results)
        {
            result.ExitCode.Should().Be(0, result.Output + result.Error);
            result.Output.Split('\n').Count(l => l.Contains("status=Completed", StringComparison.Ordinal)).Should().Be(2);
        }

        foreach (var date in new[] { "2026-11-22", "2026-11-23" })
        {
            var actual = Items.ReadOutput(Path.Combine(dir.File("out"), "date=" + date)).Select(d => $"{d.Id}|{d.Name}|{d.Value}").ToList();
            actual.Should().OnlyHaveUniqueItems().And.BeEquivalentTo(expected, $"the run of {date} equals a clean run");
        }

        Partials(dir.File("out")).Should().BeEmpty();
    }

    [Fact]
    public async Task RunWorkerAsync_ShuffledJobOnTwoWorkers_NoTargetPartitionStartsBeforeEveryExtractCompleted()
    {
        using var dir = new TempDirectory();
        Items.WriteJsonLines(dir.File("in"), files: 3, perFile: 1_000);
        var clean = await TestHostProcess.RunAsync("worker", "--state", dir.File("clean.db"), "--input", dir.File("in"), "--output", dir.File("clean"), "--shuffle", "4", "--staging", dir.File("clean-staging"));
        clean.ExitCode.Should().Be(0, clean.Output + clean.Error);
        var expected = Lines(dir.File("clean"));
        var trace = dir.File("trace.txt");
        string[] Args(int index) => ["worker", "--state", dir.File("state.db"), "--input", dir.File("in"), "--output", dir.File("out"), "--commit", "50", "--slow-ms", "5", "--parallel", "1",
            "--shuffle", "4", "--staging", dir.File("staging"), "--trace", trace, "--worker-index", index.ToString(System.Globalization.CultureInfo.InvariantCulture), "--worker-count", "2"];

        var results = await Task.WhenAll(TestHostProcess.RunAsync(Args(0)), TestHostProcess.RunAsync(Args(1)));

        foreach (var result in results)
        {
            result.ExitCode.Should().Be(0, result.Output + result.Error);
            result.Output.Should().Contain("status=Completed");
        }

        var events = Directory.GetFiles(dir.Path, "trace.txt.*").SelectMany(File.ReadAllLines).Select(l => l.Split('|')).Select(p => (Kind: p[0], At: long.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture), Pid: p[2])).ToList();
        var extracts = events.Where(e => e.Kind == "E").ToList();
        var targets = events.Where(e => e.Kind == "T").ToList();
        extracts.Should().HaveCount(3_000);
        targets.Should().HaveCount(3_000);
        extracts.Max(e => e.At).Should().BeLessThan(targets.Min(e => e.At), "the barrier holds every target partition back until every extract partition completed, on both workers");
        events.Select(e => e.Pid).Distinct().Should().HaveCount(2, "both workers took partitions");
        Lines(dir.File("out")).Should().OnlyHaveUniqueItems().And.BeEquivalentTo(expected);
        Directory.Exists(Path.Combine(dir.File("staging"))).Should().BeTrue();
        Directory.GetFiles(dir.File("staging"), "*.bin", SearchOption.AllDirectories).Should().BeEmpty("the run's staging is deleted once it completed");
    }

    [Fact]
    public async Task RunWorkerAsync_RacingWorkerWithAnotherDefinition_CannotChangeTheFrozenPlan()
    {
        using var dir = new TempDirectory();
        Items.WriteJsonLines(dir.File("in"), files: 3, perFile: 600);
        var expected = await CleanRunAsync(dir);
        string[] Args(int variant) => ["worker", "--state", dir.File("state.db"), "--input", dir.File("in"), "--output", dir.File("out"), "--commit", "50", "--slow-ms", "10", "--extra-step", variant.ToString(System.Globalization.CultureInfo.InvariantCulture)];

        var results = await Task.WhenAll(TestHostProcess.RunAsync(Args(0)), TestHostProcess.RunAsync(Args(1)));

        var winner = results.Single(r => r.ExitCode == 0);
        var loser = results.Single(r => r.ExitCode != 0);
        winner.Output.Should().Contain("status=Completed");
        loser.Output.Should().Contain("status=Failed");
        loser.Error.Should().Contain("PlanMismatchException").And.Contain("planned with another job definition");
        await using var store = new SqliteCheckpointStore(dir.File("state.db"));
        var run = (await store.ListRunsAsync("testhost-worker", 10, default)).Single();
        run.Status.Should().Be(RunStatus.Completed);
        var plan = await store.GetPlanAsync(run.RunKey, default);
        var stages = plan!.Definition.Split('\n').Single(l => l.StartsWith("stages: ", StringComparison.Ordinal)).Split(", ").Length;
        stages.Should().Be(results[0].ExitCode == 0 ? 5 : 6, "the frozen plan is the definition of the worker that completed (the extra step adds a stage)");
        AssertOutput(dir.File("out"), expected);
    }

    private static async Task<List<string>> CleanRunAsync(TempDirectory dir)
    {
        var clean = await TestHostProcess.RunAsync("worker", "--state", dir.File("clean.db"), "--input", dir.File("in"), "--output", dir.File("clean"));
        clean.ExitCode.Should().Be(0, clean.Output + clean.Error);
        return Lines(dir.File("clean"));
    }

    private static List<string> Lines(string output) => Items.ReadOutput(output).Select(d => $"{d.Id}|{d.Name}|{d.Value}").ToList();

    private static void AssertOutput(string output, List<string> expected)
    {
        Partials(output).Should().BeEmpty("no epoch's partial file is left behind");
        var actual = Lines(output);
        actual.Should().OnlyHaveUniqueItems("no record is written twice");
        actual.Should().BeEquivalentTo(expected, "no record is lost: the output equals a clean run's");
    }

    private static async Task<List<PartitionState>> HeldByAsync(ICheckpointStore store, int pid)
    {
        var runs = await store.ListRunsAsync("testhost-worker", 10, default);
        var run = runs.Count > 0 ? runs[0] : null;
        return run is null ? [] : (await store.GetPartitionStatesAsync(run.RunKey, default)).Where(s => s.LeaseOwner?.Contains($"/{pid}/", StringComparison.Ordinal) == true).ToList();
    }

    /// <summary>The run, partition states and checkpoints of the state file, as text.</summary>
    private static async Task<List<string>> LedgerAsync(string path)
    {
        await using var store = new SqliteCheckpointStore(path);
        var lines = new List<string>();
        foreach (var run in await store.ListRunsAsync(null, 100, default))
        {
            lines.Add($"{run.RunKey} {run.Status} {run.LeaseOwner} {run.LeaseEpoch} {run.EndedAt:O}");
            foreach (var state in await store.GetPartitionStatesAsync(run.RunKey, default))
            {
                lines.Add(state.ToString());
                lines.Add((await store.GetCheckpointAsync(run.RunKey, state.PartitionId, default))?.ToString() ?? "no checkpoint");
            }
        }

        return lines;
    }

    private static string[] Partials(string directory) =>
        Directory.Exists(directory) ? Directory.GetFiles(directory, "*.partial", SearchOption.AllDirectories) : [];

    private static Dictionary<string, string> Snapshot(string directory) =>
        Directory.GetFiles(directory, "*", SearchOption.AllDirectories).ToDictionary(
            f => Path.GetRelativePath(directory, f),
            f => $"{new FileInfo(f).Length}|{File.GetLastWriteTimeUtc(f):O}|{Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))}");

    private static async Task WaitForExitAsync(Process process, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cancel.Token);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition() && watch.Elapsed < timeout)
        {
            await Task.Delay(20);
        }

        (await condition()).Should().BeTrue();
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
