using System.Diagnostics;
using System.Text.Json;
using BatchKit.Hosting.Tests.Support;

namespace BatchKit.Hosting.Tests;

/// <summary>The Generic Host in a real child process (BatchKit.Hosting.TestHost): SIGTERM, restart, and two hosts on one state.</summary>
public sealed partial class HostProcessTests
{
    private const int SigTerm = 15;

    [Fact]
    public async Task Sigterm_StopsTheRunningJobAtAChunkBoundary_AndTheRestartedHostCompletesIt()
    {
        using var dir = new TempDirectory();
        WriteInput(dir.File("in"), files: 4, perFile: 1_500);
        string[] Args(string name) =>
        [
            $"--BatchKit:StatePath={dir.File(name + ".db")}", "--BatchKit:Jobs:hosted-copy:Cron=* * * * * *",
            $"--input={dir.File("in")}", $"--output={dir.File(name)}", "--slow-ms=100", "--shutdown-s=30",
        ];

        // The interrupted host: SIGTERM once output is being written.
        using (var host = Start(Args("out")))
        {
            var output = Collect(host);
            await WaitUntilAsync(() => Task.FromResult(Directory.Exists(dir.File("out")) && Directory.GetFiles(dir.File("out"), "*.partial", SearchOption.AllDirectories).Any(f => new FileInfo(f).Length > 0)), host, output);
            var signalled = Stopwatch.StartNew();
            Kill(host.Id, SigTerm).Should().Be(0);
            await host.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            signalled.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30), "the job stops at its next chunk boundary, within the host's shutdown timeout");
            host.ExitCode.Should().Be(0, output.ToString());
            output.ToString().Should().Contain("stopped at a chunk boundary").And.Contain("host stopped");
        }

        await using (var store = new SqliteCheckpointStore(dir.File("out.db")))
        {
            var run = (await store.ListRunsAsync("hosted-copy", 10, default)).Should().ContainSingle().Subject;
            run.Status.Should().Be(RunStatus.Cancelled);
            run.LeaseOwner.Should().BeNull("a graceful stop releases the lease");
        }

        // The restarted host resumes the interrupted occurrence's run (the misfire policy is Skip: nothing else is due).
        await RunUntilCompletedAsync(Args("out"), dir.File("out.db"));

        // A clean run of the same job in another folder.
        await RunUntilCompletedAsync(Args("clean"), dir.File("clean.db"));

        Published(dir.File("out")).Should().BeEquivalentTo(Published(dir.File("clean")), o => o.WithStrictOrdering());
        Published(dir.File("out")).SelectMany(f => f.Lines).Should().HaveCount(6_000).And.OnlyHaveUniqueItems();
    }

    [Fact]
    public async Task TwoHostProcessesOnOneStateFile_RunEachOccurrenceOnce()
    {
        using var dir = new TempDirectory();
        WriteInput(dir.File("in"), files: 1, perFile: 100);
        string[] args =
        [
            $"--BatchKit:StatePath={dir.File("state.db")}", "--BatchKit:Jobs:hosted-copy:Cron=*/2 * * * * *",
            $"--input={dir.File("in")}", $"--output={dir.File("out")}", "--per-occurrence=true",
        ];
        using var one = Start(args);
        using var two = Start(args);
        var outputs = new[] { Collect(one), Collect(two) };
        try
        {
            await WaitUntilAsync(async () => await CompletedRunsAsync(dir.File("state.db")) >= 6, one, outputs[0]);
        }
        finally
        {
            _ = Kill(one.Id, SigTerm);
            _ = Kill(two.Id, SigTerm);
            await one.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            await two.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }

        await using var store = new SqliteCheckpointStore(dir.File("state.db"));
        var runs = (await store.ListRunsAsync("hosted-copy", 1000, default)).Where(r => r.Status == RunStatus.Completed).ToList();
        // A run is processed when the runner logs "run … started" (a rerun of a completed RunKey logs no start): across
        // both processes every occurrence started exactly once. (A host that starts while the other runs an occurrence
        // may open that run again to resume it; the run lease makes it wait and then find the run completed.)
        var log = outputs[0].ToString() + outputs[1];
        var starts = System.Text.RegularExpressions.Regex.Matches(log, @"run hosted-copy\((?<key>at=[^)]+)\) started:").Select(m => m.Groups["key"].Value).ToList();
        starts.Should().OnlyHaveUniqueItems(log);
        runs.Select(r => r.Parameters).Should().BeSubsetOf(starts, "every completed run was started once in one of the processes");
        var instants = runs.Select(r => DateTimeOffset.Parse(r.Parameters["at=".Length..])).Order().ToList();
        instants.Zip(instants.Skip(1), (a, b) => b - a).Should().OnlyContain(gap => gap == TimeSpan.FromSeconds(2), "no occurrence between the first and the last was left out");
        outputs.Select(o => o.ToString()).Should().OnlyContain(o => o.Contains("host stopped"));
    }

    private static async Task RunUntilCompletedAsync(string[] args, string statePath)
    {
        using var host = Start(args);
        var output = Collect(host);
        try
        {
            await WaitUntilAsync(async () => await CompletedRunsAsync(statePath) >= 1, host, output);
        }
        finally
        {
            _ = Kill(host.Id, SigTerm);
            await host.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }

        host.ExitCode.Should().Be(0, output.ToString());
    }

    private static async Task<int> CompletedRunsAsync(string statePath)
    {
        if (!File.Exists(statePath))
        {
            return 0;
        }

        await using var store = new SqliteCheckpointStore(statePath);
        return (await store.ListRunsAsync("hosted-copy", 1000, default)).Count(r => r.Status == RunStatus.Completed);
    }

    private static List<(string File, List<string> Lines)> Published(string output) =>
        Directory.GetFiles(output, "*.jsonl", SearchOption.AllDirectories)
            .Select(f => (Path.GetFileName(f), File.ReadAllLines(f).ToList()))
            .OrderBy(f => f.Item1, StringComparer.Ordinal)
            .ToList();

    private static void WriteInput(string directory, int files, int perFile)
    {
        Directory.CreateDirectory(directory);
        var id = 0;
        for (var f = 0; f < files; f++)
        {
            using var writer = new StreamWriter(Path.Combine(directory, $"in-{f:D2}.jsonl"));
            for (var i = 0; i < perFile; i++)
            {
                id++;
                writer.WriteLine(JsonSerializer.Serialize(new { id, name = "item-" + id, value = id % 97 }));
            }
        }
    }

    private static Process Start(string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "BatchKit.Hosting.TestHost.dll"));
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        return Process.Start(info)!;
    }

    private static System.Text.StringBuilder Collect(Process process)
    {
        var text = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (text) { text.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (text) { text.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return text;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, Process process, System.Text.StringBuilder output)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The host exited with {process.ExitCode} before the condition held: {output}");
            }

            if (deadline.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new TimeoutException($"The condition did not hold within 2 minutes: {output}");
            }

            await Task.Delay(50);
        }
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
