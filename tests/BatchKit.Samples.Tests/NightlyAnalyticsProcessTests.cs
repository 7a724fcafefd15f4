using System.Diagnostics;
using System.Globalization;
using BatchKit.Tests.Support;
using NightlyAnalytics;
using Xunit.Abstractions;

namespace BatchKit.Samples.Tests;

/// <summary>Runs the sample's command line as a child process: the contract of its output, and kills at random moments.</summary>
public sealed class NightlyAnalyticsProcessTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Run_KilledAtRandomMoments_FinishesWithTheWarehouseOfAnUninterruptedRun()
    {
        using var dir = new TempDirectory();
        var input = dir.File("events");
        var generated = await NightlyProcess.RunAsync("generate", "--events", "200000", "--out", input, "--files", "4", "--seed", "11");
        generated.ExitCode.Should().Be(0, generated.Error);

        // The uninterrupted run: the reference warehouse, and the command-line contract of its summary line. It shuffles
        // the events (no combiner); the killed runs aggregate before the shuffle (the default), so their resumed
        // warehouses must also equal the non-combined output.
        var reference = dir.File("reference.duckdb");
        var clock = Stopwatch.StartNew();
        var clean = await NightlyProcess.RunAsync("run", "--input", input, "--warehouse", reference, "--date", "2026-11-22", "--shuffle", "rows");
        var cleanSeconds = clock.Elapsed.TotalSeconds;
        clean.ExitCode.Should().Be(0, clean.Output + clean.Error);
        var summary = NightlyProcess.Summary(clean.Output);
        summary.Keys.Should().Contain(["records_in", "records_out", "errors", "partitions", "elapsed_s"]);
        summary["records_in"].Should().Be("200000");
        summary["verified"].Should().Be("true");
        output.WriteLine($"uninterrupted run: {cleanSeconds:F1} s: {clean.Output.Trim()}");

        // Redirected output: the run's progress as plain lines, the last with the run's counts (a shuffled run counts
        // the records read by its extract partitions and the records written by its target partitions).
        var progress = clean.Output.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("progress run=nightly-analytics(", StringComparison.Ordinal)).ToList();
        progress.Should().NotBeEmpty("a redirected run writes progress lines");
        progress[^1].Should().Contain($" Completed in ").And.Contain($"partitions {summary["partitions"]}/{summary["partitions"]} done")
            .And.Contain($"read {summary["records_in"]}, written {summary["records_out"]}, errors {summary["errors"]}, in-doubt 0");

        var random = new Random(2026);
        var killedWhileRunning = 0; // first kills of a trial that interrupted a running process
        for (var trial = 0; trial < 4; trial++)
        {
            // A kill that comes after the process already finished tests nothing: start the trial again in a fresh
            // folder with an earlier moment (the run's length varies with the machine's load).
            string warehouse;
            var attempt = 0;
            while (true)
            {
                warehouse = Path.Combine(dir.File($"trial-{trial}-{attempt}"), "w.duckdb");
                Directory.CreateDirectory(Path.GetDirectoryName(warehouse)!);
                var delay = TimeSpan.FromSeconds(cleanSeconds * (0.03 + (0.6 * random.NextDouble())) * Math.Pow(0.6, attempt));
                var killed = await StartAndKillAsync(["run", "--input", input, "--warehouse", warehouse], delay);
                output.WriteLine($"trial {trial}: killed after {delay.TotalSeconds:F2} s ({(killed ? "while running" : "it had already exited")})");
                if (killed || ++attempt == 5)
                {
                    killedWhileRunning += killed ? 1 : 0;
                    break;
                }
            }

            if (trial == 3)
            {
                // The last trial is killed a second time, while it resumes.
                var delay = TimeSpan.FromSeconds(cleanSeconds * (0.02 + (0.3 * random.NextDouble())));
                var killed = await StartAndKillAsync(["run", "--input", input, "--warehouse", warehouse], delay);
                output.WriteLine($"trial {trial}: killed again after {delay.TotalSeconds:F2} s ({(killed ? "while running" : "it had already exited")})");
            }

            var attempts = 0;
            (int ExitCode, string Output, string Error) rerun;
            do
            {
                rerun = await NightlyProcess.RunAsync("run", "--input", input, "--warehouse", warehouse);
                output.WriteLine($"trial {trial}: rerun exit {rerun.ExitCode}: {rerun.Output.Trim()} {rerun.Error.Trim()}");
            }
            while (rerun.ExitCode != 0 && ++attempts < 3);

            rerun.ExitCode.Should().Be(0, $"a rerun after a kill finishes (trial {trial}): {rerun.Output}{rerun.Error}");
            var rerunSummary = NightlyProcess.Summary(rerun.Output);
            rerunSummary["records_in"].Should().Be(summary["records_in"]);
            rerunSummary["errors"].Should().Be(summary["errors"]);
            rerunSummary["records_out"].Should().Be(summary["records_out"]);
            var comparison = Warehouse.Compare(Warehouse.TableSql("r"), Warehouse.TableSql("t"), ("r", reference), ("t", warehouse));
            comparison.OnlyLeft.Should().Be(0, $"trial {trial} lacks no row of the uninterrupted run");
            comparison.OnlyRight.Should().Be(0, $"trial {trial} has no extra or duplicated row");
            comparison.RightRows.Should().Be(comparison.LeftRows);
        }

        killedWhileRunning.Should().BeGreaterThanOrEqualTo(3, "the kills must interrupt running processes to test anything");
    }

    [Fact]
    public async Task Run_MissingArgumentOrUnknownOption_ExitsWithUsage()
    {
        var missing = await NightlyProcess.RunAsync("run", "--input", "/nonexistent");
        var unknown = await NightlyProcess.RunAsync("generate", "--events", "10", "--out", "/tmp/x", "--colour", "red");
        var badNumber = await NightlyProcess.RunAsync("generate", "--events", "ten", "--out", "/tmp/x");

        missing.ExitCode.Should().Be(2);
        missing.Error.Should().Contain("--warehouse is required");
        unknown.ExitCode.Should().Be(2);
        unknown.Error.Should().Contain("unknown option --colour");
        badNumber.ExitCode.Should().Be(2);
        badNumber.Error.Should().Contain("--events expects an integer, found 'ten'");
    }

    [Fact]
    public async Task Run_WarehouseEmptiedAfterCompletion_FailsVerification()
    {
        using var dir = new TempDirectory();
        var input = dir.File("events");
        await EventGenerator.GenerateAsync(input, 10_000, files: 1, seed: 5);
        var warehouse = dir.File("w.duckdb");
        var first = await NightlyProcess.RunAsync("run", "--input", input, "--warehouse", warehouse, "--parallelism", "1");
        first.ExitCode.Should().Be(0, first.Output + first.Error);
        using (var connection = new DuckDB.NET.Data.DuckDBConnection("Data Source=" + warehouse))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM daily_aggregates WHERE user_id % 2 = 0";
            command.ExecuteNonQuery().Should().BeGreaterThan(0);
        }

        var second = await NightlyProcess.RunAsync("run", "--input", input, "--warehouse", warehouse, "--parallelism", "1");

        second.ExitCode.Should().NotBe(0, "the warehouse no longer holds the run's events");
        second.Error.Should().Contain("verification failed");
        NightlyProcess.Summary(second.Output)["verified"].Should().Be("false");
    }

    private static async Task<bool> StartAndKillAsync(string[] args, TimeSpan delay)
    {
        using var process = NightlyProcess.Start(args);
        var drainOut = process.StandardOutput.ReadToEndAsync();
        var drainErr = process.StandardError.ReadToEndAsync();
        var exited = process.WaitForExitAsync();
        var running = await Task.WhenAny(exited, Task.Delay(delay)) != exited;
        if (running)
        {
            process.Kill(entireProcessTree: true);
        }

        await process.WaitForExitAsync();
        await Task.WhenAll(drainOut, drainErr);
        return running;
    }
}
