using System.Diagnostics;
using BatchKit.Tests.Support;

namespace BatchKit.Tests.Workers;

/// <summary>
/// A run shared by two worker processes (BatchKit.TestHost <c>worker</c>) through one SQLite state file is cancelled
/// mid-run from a third process, the <c>batchkit</c> tool: both workers stop at a chunk boundary and return
/// <see cref="RunStatus.Cancelled"/>, the output holds only committed chunks, and a resumed rerun's output equals a
/// clean run's. A worker paused (SIGSTOP) while the cancel is issued does not undo it when it wakes.
/// </summary>
public sealed partial class CancelProcessTests
{
    private const int SigCont = 18;
    private const int SigStop = 19;

    [Fact]
    public async Task CancelFromTheCli_TwoWorkersMidRun_BothStopCancelledWithCommittedChunksOnly_AndAResumedRunEqualsACleanRun()
    {
        using var dir = new TempDirectory();
        Items.WriteJsonLines(dir.File("in"), files: 6, perFile: 1_500);
        var expected = await CleanRunAsync(dir);
        var state = dir.File("state.db");
        var output = dir.File("out");
        string[] Args(params string[] extra) => ["worker", "--state", state, "--input", dir.File("in"), "--output", output, "--commit", "50", "--slow-ms", "150", "--parallel", "1", "--lease-s", "5", .. extra];
        var workers = new[] { TestHostProcess.Start(Args("--worker-index", "0", "--worker-count", "2")), TestHostProcess.Start(Args("--worker-index", "1", "--worker-count", "2")) };
        var outputs = workers.Select(w => (Out: w.StandardOutput.ReadToEndAsync(), Err: w.StandardError.ReadToEndAsync())).ToArray();
        try
        {
            string runKey;
            await using (var observer = new SqliteCheckpointStore(state))
            {
                // Cancel once both workers hold a partition and have committed some of it.
                await WaitUntilAsync(async () => await HoldsCommittedAsync(observer, workers[0].Id) && await HoldsCommittedAsync(observer, workers[1].Id), TimeSpan.FromSeconds(60));
                runKey = (await observer.ListRunsAsync("testhost-worker", 1, default)).Single().RunKey;
            }

            var cancel = await RunCliAsync("cancel", runKey[..12], "--store", state, "--json");
            var watch = Stopwatch.StartNew();
            cancel.ExitCode.Should().Be(0, cancel.Output + cancel.Error);
            cancel.Output.Should().Contain("\"status\": \"Cancelled\"");
            for (var i = 0; i < 2; i++)
            {
                await WaitForExitAsync(workers[i], TimeSpan.FromSeconds(60));
                var text = await outputs[i].Out + await outputs[i].Err;
                workers[i].ExitCode.Should().Be(1, text);
                text.Should().Contain("status=Cancelled").And.Contain("RunCancelledException").And.Contain("batchkit-cli/");
            }

            watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30), "both workers stop at their next chunk boundary, not at the end of their partitions");
            await AssertCancelledWithCommittedChunksOnlyAsync(state, output, runKey);

            // The pending partitions stay unclaimed: a worker that does not resume explicitly returns at once.
            var plain = await TestHostProcess.RunAsync(Args());
            plain.ExitCode.Should().Be(1, plain.Output + plain.Error);
            plain.Output.Should().Contain("status=Cancelled").And.Contain("processed=0");

            var resumed = await TestHostProcess.RunAsync(Args("--resume-cancelled", "1"));
            resumed.ExitCode.Should().Be(0, resumed.Output + resumed.Error);
            resumed.Output.Should().Contain("status=Completed");
        }
        finally
        {
            foreach (var worker in workers.Where(w => !w.HasExited))
            {
                worker.Kill(entireProcessTree: true);
            }
        }

        AssertOutput(output, expected);
        await using var store = new SqliteCheckpointStore(state);
        var run = (await store.ListRunsAsync("testhost-worker", 10, default)).Single();
        run.Status.Should().Be(RunStatus.Completed);
        run.CancelRequestedAt.Should().BeNull();
        var history = await store.ListRunAttemptsAsync(run.RunKey, default);
        history.Count(a => a.Status == RunStatus.Cancelled).Should().BeGreaterThanOrEqualTo(2, "the history records each worker's cancelled attempt");
        history.Where(a => a.Status == RunStatus.Cancelled).Should().Contain(a => a.Error != null && a.Error.Contains("batchkit-cli/"));
    }

    [Fact]
    public async Task CancelFromTheCli_WorkerPausedWhileCancelled_DoesNotUndoTheCancelWhenWoken()
    {
        using var dir = new TempDirectory();
        Items.WriteJsonLines(dir.File("in"), files: 4, perFile: 1_500);
        var expected = await CleanRunAsync(dir);
        var state = dir.File("state.db");
        var output = dir.File("out");
        string[] Args(params string[] extra) => ["worker", "--state", state, "--input", dir.File("in"), "--output", output, "--commit", "50", "--slow-ms", "100", "--parallel", "1", "--lease-s", "2", .. extra];
        using var running = TestHostProcess.Start(Args("--worker-index", "0", "--worker-count", "2"));
        using var paused = TestHostProcess.Start(Args("--worker-index", "1", "--worker-count", "2"));
        var runningOut = (Out: running.StandardOutput.ReadToEndAsync(), Err: running.StandardError.ReadToEndAsync());
        var pausedOut = (Out: paused.StandardOutput.ReadToEndAsync(), Err: paused.StandardError.ReadToEndAsync());
        try
        {
            string runKey;
            await using (var observer = new SqliteCheckpointStore(state))
            {
                await WaitUntilAsync(async () => await HoldsCommittedAsync(observer, running.Id) && await HoldsCommittedAsync(observer, paused.Id), TimeSpan.FromSeconds(60));
                runKey = (await observer.ListRunsAsync("testhost-worker", 1, default)).Single().RunKey;
            }

            Kill(paused.Id, SigStop).Should().Be(0, "the worker was paused");
            var cancel = await RunCliAsync("cancel", runKey, "--store", state);
            cancel.ExitCode.Should().Be(0, cancel.Output + cancel.Error);
            await WaitForExitAsync(running, TimeSpan.FromSeconds(60));
            (await runningOut.Out).Should().Contain("status=Cancelled");

            // Paused past its partition lease (2 s): nobody may take the partition over, the run is cancelled.
            await Task.Delay(TimeSpan.FromSeconds(4));
            Kill(paused.Id, SigCont).Should().Be(0, "the worker was woken");
            await WaitForExitAsync(paused, TimeSpan.FromSeconds(60));
            var woken = await pausedOut.Out + await pausedOut.Err;
            paused.ExitCode.Should().Be(1, woken);
            woken.Should().Contain("status=Cancelled");
            await AssertCancelledWithCommittedChunksOnlyAsync(state, output, runKey);

            var resumed = await TestHostProcess.RunAsync(Args("--resume-cancelled", "1"));
            resumed.ExitCode.Should().Be(0, resumed.Output + resumed.Error);
            resumed.Output.Should().Contain("status=Completed");
        }
        finally
        {
            foreach (var process in new[] { running, paused }.Where(p => !p.HasExited))
            {
                _ = Kill(process.Id, SigCont);
                process.Kill(entireProcessTree: true);
            }
        }

        AssertOutput(output, expected);
    }

    /// <summary>
    /// The run is cancelled with its request recorded, no partition is leased or running, and each partition's output is
    /// exactly what its checkpoint covers: a published file for a completed one, for a pending one a partial file of
    /// whole committed chunks (its length is the checkpoint's sink position); no record appears twice.
    /// </summary>
    private static async Task AssertCancelledWithCommittedChunksOnlyAsync(string state, string output, string runKey)
    {
        await using var store = new SqliteCheckpointStore(state);
        var run = (await store.GetRunAsync(runKey, default))!;
        run.Status.Should().Be(RunStatus.Cancelled);
        run.CancelRequestedAt.Should().NotBeNull();
        run.CancelRequestedBy.Should().StartWith("batchkit-cli/");
        var states = await store.GetPartitionStatesAsync(runKey, default);
        states.Should().OnlyContain(s => s.LeaseOwner == null && (s.Status == PartitionStatus.Pending || s.Status == PartitionStatus.Completed), "every worker handed its partitions back");
        states.Should().Contain(s => s.Status == PartitionStatus.Pending, "the run was cancelled before it finished");
        var lines = new List<string>();
        foreach (var partition in states)
        {
            var checkpoint = await store.GetCheckpointAsync(runKey, partition.PartitionId, default);
            var files = Directory.GetFiles(output, "*", SearchOption.AllDirectories)
                .Where(f => Path.GetFileName(f).StartsWith(partition.PartitionId, StringComparison.Ordinal)).ToList();
            if (partition.Status == PartitionStatus.Completed)
            {
                files.Should().ContainSingle(f => f.EndsWith(".jsonl", StringComparison.Ordinal), partition.PartitionId);
                lines.AddRange(File.ReadLines(files.Single(f => f.EndsWith(".jsonl", StringComparison.Ordinal))));
                continue;
            }

            if (checkpoint is null)
            {
                continue;
            }

            var partial = files.Where(f => f.EndsWith(".partial", StringComparison.Ordinal)).Should().ContainSingle(partition.PartitionId).Subject;
            new FileInfo(partial).Length.Should().Be(checkpoint.SinkPosition, $"the partial file of {partition.PartitionId} holds exactly the committed chunks");
            var committed = File.ReadLines(partial).ToList();
            committed.Count.Should().Be((int)checkpoint.RecordsWritten);
            (committed.Count % 50).Should().Be(0, "only whole chunks of 50 were committed");
            lines.AddRange(committed);
        }

        lines.Should().NotBeEmpty().And.OnlyHaveUniqueItems("no record was written twice");
    }

    private static async Task<bool> HoldsCommittedAsync(ICheckpointStore store, int pid)
    {
        var runs = await store.ListRunsAsync("testhost-worker", 1, default);
        if (runs.Count == 0)
        {
            return false;
        }

        foreach (var held in (await store.GetPartitionStatesAsync(runs[0].RunKey, default)).Where(s => s.LeaseOwner?.Contains($"/{pid}/", StringComparison.Ordinal) == true))
        {
            if (await store.GetCheckpointAsync(runs[0].RunKey, held.PartitionId, default) is { RecordsWritten: > 0 })
            {
                return true;
            }
        }

        return false;
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunCliAsync(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "BatchKit.Cli.dll"));
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await WaitForExitAsync(process, TimeSpan.FromMinutes(2));
        return (process.ExitCode, await output, await error);
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
        Directory.GetFiles(output, "*.partial", SearchOption.AllDirectories).Should().BeEmpty("no epoch's partial file is left behind");
        var actual = Lines(output);
        actual.Should().OnlyHaveUniqueItems("no record is written twice");
        actual.Should().BeEquivalentTo(expected, "no record is lost: the output equals a clean run's");
    }

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
