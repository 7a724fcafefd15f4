using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using BatchKit.Testing.Services;
using BatchKit.Tests.Support;

namespace BatchKit.Tests.Failures;

/// <summary>
/// Pauses a job's process (SIGSTOP) past its lease while it writes, lets another process take the run over, then wakes
/// the paused one: its partitions stop without changing output, and the output must equal a clean run's.
/// </summary>
public sealed partial class StalledHolderTests
{
    private const int SigCont = 18;

    [Theory]
    [InlineData("jsonl", false)]
    [InlineData("jsonl", true)]
    [InlineData("csv", false)]
    [InlineData("csv", true)]
    [InlineData("parquet", false)]
    [InlineData("parquet", true)]
    [InlineData("duckdb-upsert", false)]
    [InlineData("duckdb-upsert", true)]
    [InlineData("duckdb-replace", false)]
    [InlineData("duckdb-replace", true)]
    public async Task RunAsync_PausedHolderWakesAfterTakeover_StopsWithLostLeaseAndOutputMatchesCleanRun(string sink, bool wakeWhileTakeoverWrites)
    {
        using var dir = new TempDirectory();
        Items.WriteJsonLines(dir.File("in"), files: 2, perFile: 2_000);
        var duckDb = sink.StartsWith("duckdb-", StringComparison.Ordinal);

        // A DuckDB sink stages commits outside the warehouse and opens the warehouse only to apply them (ReplacePartition
        // stages a partition only at its end, just before the apply). A process paused while it holds the warehouse blocks
        // every other process until it resumes, so the DuckDB runs wait between staging and applying: the pause below
        // falls there, and a takeover's staged files are visible before it publishes.
        string[] DuckDbArgs() => duckDb ? ["--slow-complete-ms", "1500", "--lock-timeout-s", "60"] : [];
        string[] Args(string name, params string[] extra) =>
            ["run", "--state", dir.File(name + ".db"), "--input", dir.File("in"), "--output", dir.File(name), "--sink", sink, "--commit", "50", "--lease-s", "2", .. DuckDbArgs(), .. extra];
        var clean = await TestHostProcess.RunAsync(Args("clean"));
        clean.ExitCode.Should().Be(0, clean.Output + clean.Error);
        var expected = await DumpAsync(sink, dir.File("clean"));
        expected.Should().HaveCount(4_000);
        var output = dir.File("out");

        using var paused = TestHostProcess.Start(Args("out", "--slow-ms", "100"));
        var pausedOut = paused.StandardOutput.ReadToEndAsync();
        var pausedErr = paused.StandardError.ReadToEndAsync();
        try
        {
            // Pause it once it has written output (a Parquet file stays empty on disk until a row group is full, so there
            // it is enough that the file was opened; the DuckDB sinks stage each commit in a complete Parquet file).
            await WaitUntilAsync(() => paused.HasExited || Partials(output).Any(f => sink == "parquet" || duckDb || new FileInfo(f).Length > 0), TimeSpan.FromSeconds(30));
            if (paused.HasExited)
            {
                paused.HasExited.Should().BeFalse($"the run is still going when it is paused; it exited with {paused.ExitCode}: {await pausedOut}{await pausedErr}");
            }

            await Task.Delay(sink == "parquet" ? 300 : 100);
            paused.HasExited.Should().BeFalse("the run is still going when it is paused");
            // Outside a state write transaction: a process stopped inside one holds SQLite's file lock (see ProcessPause).
            await ProcessPause.StopOutsideStateWriteAsync(paused.Id, dir.File("out.db"));
            var pausedEpoch = Partials(output).Select(EpochOf).Max();

            Dictionary<string, string> published;
            if (wakeWhileTakeoverWrites)
            {
                // Wake the paused process while the later epoch is still writing its own files.
                using var takeover = TestHostProcess.Start(Args("out", "--slow-ms", "100", "--lease-wait-s", "10"));
                var takeoverOut = takeover.StandardOutput.ReadToEndAsync();
                var takeoverErr = takeover.StandardError.ReadToEndAsync();
                await WaitUntilAsync(() => takeover.HasExited || Partials(output).Any(f => EpochOf(f) > pausedEpoch), TimeSpan.FromSeconds(15));
                if (takeover.HasExited)
                {
                    takeover.HasExited.Should().BeFalse($"the takeover is still writing when the paused process wakes; it exited with {takeover.ExitCode}: {await takeoverOut}{await takeoverErr}");
                }

                Kill(paused.Id, SigCont).Should().Be(0, "the process was woken");
                await WaitForExitAsync(paused, TimeSpan.FromSeconds(15));
                await WaitForExitAsync(takeover, TimeSpan.FromSeconds(15));
                takeover.ExitCode.Should().Be(0, await takeoverOut + await takeoverErr);
                published = Snapshot(output);
            }
            else
            {
                // The takeover waits for the paused holder's lease to expire (the holder is alive, so not at once) and completes.
                var watch = Stopwatch.StartNew();
                var takeover = await TestHostProcess.RunAsync(Args("out", "--lease-wait-s", "10"));
                takeover.ExitCode.Should().Be(0, takeover.Output + takeover.Error);
                watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(40), "the paused holder's partitions are taken over once their 2 s leases expire (generous for a loaded machine)");
                published = Snapshot(output);
                published.Keys.Should().NotContain(k => k.EndsWith(".partial", StringComparison.Ordinal), "the takeover published every partition");
                Kill(paused.Id, SigCont).Should().Be(0, "the process was woken");
                await WaitForExitAsync(paused, TimeSpan.FromSeconds(15));
            }

            // Its partitions were taken over: they stop without writing, and it finds the run completed by the other.
            paused.ExitCode.Should().Be(0, "the woken process returns the run's final status: " + await pausedOut + await pausedErr);
            Snapshot(output).Should().BeEquivalentTo(published, "the woken process changed no file after the takeover finished");
        }
        finally
        {
            if (!paused.HasExited)
            {
                _ = Kill(paused.Id, SigCont);
                paused.Kill(entireProcessTree: true);
                await paused.WaitForExitAsync();
            }
        }

        Partials(output).Should().BeEmpty("no epoch's partial file is left behind");
        var actual = await DumpAsync(sink, output);
        actual.Should().OnlyHaveUniqueItems("each record is written once");
        actual.Order(StringComparer.Ordinal).Should().Equal(expected.Order(StringComparer.Ordinal), "the output equals a clean run's");
    }

    /// <summary>
    /// The files an epoch writes before it publishes: the <c>.partial</c> files of the file sinks, or the staging files
    /// (<c>&lt;first&gt;-&lt;count&gt;.e&lt;epoch&gt;.parquet</c>) the DuckDB sinks keep beside the warehouse.
    /// </summary>
    private static string[] Partials(string directory) =>
        Directory.Exists(directory)
            ? Directory.GetFiles(directory, "*", SearchOption.AllDirectories).Where(f => EpochPattern().IsMatch(f)).ToArray()
            : [];

    private static long EpochOf(string partialPath) => long.Parse(EpochPattern().Match(partialPath).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Every file under a folder with its length, modification time and content hash.</summary>
    private static Dictionary<string, string> Snapshot(string directory) =>
        Directory.GetFiles(directory, "*", SearchOption.AllDirectories).ToDictionary(
            f => Path.GetRelativePath(directory, f),
            f => $"{new FileInfo(f).Length}|{File.GetLastWriteTimeUtc(f):O}|{Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))}");

    private static async Task<List<string>> DumpAsync(string sink, string directory)
    {
        var dump = await TestHostProcess.RunAsync("dump", "--sink", sink, "--output", directory);
        dump.ExitCode.Should().Be(0, dump.Error);
        return dump.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
    }

    private static async Task WaitForExitAsync(Process process, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cancel.Token);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (!condition() && watch.Elapsed < timeout)
        {
            await Task.Delay(20);
        }

        condition().Should().BeTrue();
    }

    [GeneratedRegex(@"\.e(\d+)\.(?:partial|parquet)$")]
    private static partial Regex EpochPattern();

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
