using System.Diagnostics;
using System.Runtime.InteropServices;
using BatchKit.Testing.Services;
using BatchKit.Tests.Support;
using Xunit.Abstractions;

namespace BatchKit.Samples.Tests;

/// <summary>
/// Pauses the sample's process (SIGSTOP) mid-run past its lease: a second process with the same arguments takes the run
/// over and completes it while the first is still paused; the first, continued, stops with a lost lease and changes nothing.
/// </summary>
public sealed class NightlyAnalyticsStallTests(ITestOutputHelper output)
{
    private const int SigCont = 18;
    private const string LeaseSeconds = "3";

    [Fact]
    public async Task Run_PausedPastItsLease_SecondRunTakesOverAndMatchesCleanRun()
    {
        // The sample's default: ReplacePartition staged in Parquet files, published per run.
        const string write = "replace";
        using var dir = new TempDirectory();
        var input = dir.File("events");
        var generated = await NightlyProcess.RunAsync("generate", "--events", "200000", "--out", input, "--files", "4", "--seed", "17");
        generated.ExitCode.Should().Be(0, generated.Error);

        var reference = dir.File("reference.duckdb");
        var clock = Stopwatch.StartNew();
        var clean = await NightlyProcess.RunAsync("run", "--input", input, "--warehouse", reference, "--write", write);
        var cleanSeconds = clock.Elapsed.TotalSeconds;
        clean.ExitCode.Should().Be(0, clean.Output + clean.Error);
        var summary = NightlyProcess.Summary(clean.Output);
        output.WriteLine($"clean run: {cleanSeconds:F1} s: {clean.Output.Trim()}");

        // Pause the first process in its partitions phase (past the extract, which the summary line times).
        var extractSeconds = double.Parse(summary["extract_s"], System.Globalization.CultureInfo.InvariantCulture);
        for (var attempt = 0; ; attempt++)
        {
            var warehouse = Path.Combine(dir.File($"stall-{attempt}"), "w.duckdb");
            Directory.CreateDirectory(Path.GetDirectoryName(warehouse)!);
            string[] args = ["run", "--input", input, "--warehouse", warehouse, "--write", write, "--lease-seconds", LeaseSeconds];
            using var first = NightlyProcess.Start(args);
            var firstOut = first.StandardOutput.ReadToEndAsync();
            var firstErr = first.StandardError.ReadToEndAsync();
            var delay = TimeSpan.FromSeconds(extractSeconds + ((cleanSeconds - extractSeconds) * 0.4 * Math.Pow(0.6, attempt)));
            var firstExited = first.WaitForExitAsync();
            if (await Task.WhenAny(firstExited, Task.Delay(delay)) == firstExited)
            {
                output.WriteLine($"attempt {attempt}: the first process finished within {delay.TotalSeconds:F2} s; pausing earlier");
                attempt.Should().BeLessThan(4, "the pause must interrupt a running process to test anything");
                continue;
            }

            // Outside a state write transaction: a process stopped inside one holds SQLite's file lock (see ProcessPause).
            await ProcessPause.StopOutsideStateWriteAsync(first.Id, Path.ChangeExtension(warehouse, ".state.db"));
            output.WriteLine($"attempt {attempt}: paused the first process (pid {first.Id}) after {delay.TotalSeconds:F2} s");
            (int ExitCode, string Output, string Error) second;
            var paused = Stopwatch.StartNew();
            try
            {
                second = await NightlyProcess.RunAsync(args);
            }
            finally
            {
                _ = Kill(first.Id, SigCont);
            }

            output.WriteLine($"second run ({paused.Elapsed.TotalSeconds:F1} s, the first paused throughout): exit {second.ExitCode}: {second.Output.Trim()} {second.Error.Trim()}");
            using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
            {
                await first.WaitForExitAsync(timeout.Token);
            }

            var firstOutput = await firstOut + await firstErr;
            output.WriteLine($"first run, continued: exit {first.ExitCode}: {firstOutput.Trim()}");

            second.ExitCode.Should().Be(0, $"the second run takes the paused run over and completes it: {second.Output}{second.Error}");
            second.Error.Should().NotContain("Could not set lock");
            NightlyProcess.Summary(second.Output)["records_out"].Should().Be(summary["records_out"]);
            // Its partition leases were taken over: its partitions stopped without writing, and it found the run
            // completed by the second process.
            first.ExitCode.Should().Be(0, "the continued process returns the run's final status: " + firstOutput);

            // Compared after the first process exited: waking up, it changed nothing.
            var comparison = Warehouse.Compare(Warehouse.TableSql("r"), Warehouse.TableSql("t"), ("r", reference), ("t", warehouse));
            comparison.OnlyLeft.Should().Be(0, "the taken-over run lacks no row of the clean run");
            comparison.OnlyRight.Should().Be(0, "the taken-over run has no extra or duplicated row");
            comparison.RightRows.Should().Be(comparison.LeftRows);
            return;
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
