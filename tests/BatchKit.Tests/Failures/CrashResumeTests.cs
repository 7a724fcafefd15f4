using System.Diagnostics;
using BatchKit.Tests.Support;

namespace BatchKit.Tests.Failures;

/// <summary>Kills a job's process at random moments and checks that reruns end with exactly the output of a clean run.</summary>
public sealed class CrashResumeTests
{
    [Fact]
    public async Task RunAsync_KilledAtRandomMoments_RerunsEndWithCleanOutput()
    {
        using var dir = new TempDirectory();
        var input = dir.File("in");
        Items.WriteJsonLines(input, files: 4, perFile: 2_500, id => id % 997 == 0 ? "{\"id\": \"not a number\"" : null);
        var clean = await RunToCompletionAsync(dir.File("clean"), input, seed: null);
        clean.Should().HaveCount(10_000 - (10_000 / 997));

        for (var seed = 1; seed <= 10; seed++)
        {
            var output = await RunToCompletionAsync(dir.File($"trial-{seed}"), input, seed);
            output.Should().BeEquivalentTo(clean, $"trial {seed} must hold exactly the clean run's records");
            output.Select(d => d.Id).Should().OnlyHaveUniqueItems($"trial {seed} must not duplicate a record");
        }
    }

    [Fact]
    public async Task RunAsync_ProcessExitsBetweenWriteAndCheckpoint_NextProcessReopensStateAndCompletes()
    {
        using var dir = new TempDirectory();
        Items.WriteJsonLines(dir.File("in"), files: 2, perFile: 1_000);
        var state = dir.File("state.db");
        string[] Args(params string[] extra) => ["run", "--state", state, "--input", dir.File("in"), "--output", dir.File("out"), "--commit", "100", .. extra];

        var crashed = await TestHostProcess.RunAsync(Args("--exit-after-chunks", "7", "--lease-s", "1"));
        crashed.ExitCode.Should().Be(9, crashed.Error);

        await using (var store = new SqliteCheckpointStore(state))
        {
            var runKey = new RunKey("testhost-run", RunParameters.Of("date", "2026-11-22"));
            var run = await store.GetRunAsync(runKey.Value, default);
            run!.Status.Should().Be(RunStatus.Running, "the process died without recording an end");
            var plan = await store.GetPlanAsync(runKey.Value, default);
            plan!.Partitions.Should().HaveCount(2);
            var checkpoints = new List<Checkpoint>();
            foreach (var p in plan.Partitions)
            {
                if (await store.GetCheckpointAsync(runKey.Value, p.Id, default) is { } c)
                {
                    checkpoints.Add(c);
                }
            }

            // Checkpoints trail the sink by at most a few chunks (they are written in the background); whatever they say
            // falls on a chunk boundary and never covers the eighth chunk, which was written but never committed.
            var written = checkpoints.Sum(c => c.RecordsWritten);
            written.Should().BeLessThanOrEqualTo(700);
            (written % 100).Should().Be(0);
        }

        // The dead process still holds its lease until it expires; then the next process takes over without manual SQL.
        await Task.Delay(TimeSpan.FromMilliseconds(1100));
        var completed = await TestHostProcess.RunAsync(Args());
        completed.ExitCode.Should().Be(0, completed.Output + completed.Error);
        Items.ReadOutput(dir.File("out")).Select(d => d.Id).Should().BeEquivalentTo(Enumerable.Range(1, 2_000).Select(i => (long)i));
    }

    [Fact]
    public async Task RunAsync_KilledThenRerunAtOnceWithDefaults_TakesOverDeadHolderAndMatchesCleanRun()
    {
        using var dir = new TempDirectory();
        Items.WriteJsonLines(dir.File("in"), files: 2, perFile: 2_000);
        string[] Args(string name) => ["run", "--state", dir.File(name + ".db"), "--input", dir.File("in"), "--output", dir.File(name), "--commit", "50", "--slow-ms", "100"];
        var clean = await TestHostProcess.RunAsync(Args("clean"));
        clean.ExitCode.Should().Be(0, clean.Output + clean.Error);

        using (var process = TestHostProcess.Start(Args("out")))
        {
            for (var i = 0; i < 600 && !(Directory.Exists(dir.File("out")) && Directory.GetFiles(dir.File("out"), "*.partial", SearchOption.AllDirectories).Any(f => new FileInfo(f).Length > 0)); i++)
            {
                await Task.Delay(50);
            }

            process.HasExited.Should().BeFalse("the run is still going when it is killed");
            process.Kill(entireProcessTree: true); // SIGKILL: the lease (30 s by default) stays held by a process that is gone
            await process.WaitForExitAsync();
        }

        await using (var store = new SqliteCheckpointStore(dir.File("out.db")))
        {
            var states = await store.GetPartitionStatesAsync(new RunKey("testhost-run", RunParameters.Of("date", "2026-11-22")).Value, default);
            states.Where(s => s.LeaseOwner is not null).Should().NotBeEmpty("the dead process held partitions")
                .And.OnlyContain(s => s.LeaseExpiresAt > DateTimeOffset.UtcNow.AddSeconds(10), "the dead process's partition leases have not expired");
        }

        var watch = Stopwatch.StartNew();
        var rerun = await TestHostProcess.RunAsync(Args("out"));

        rerun.ExitCode.Should().Be(0, rerun.Output + rerun.Error);
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(15), "the lease of a dead process of this host is taken over at once, not after it expires");
        Items.ReadOutput(dir.File("out")).OrderBy(d => d.Id).Should().Equal(Items.ReadOutput(dir.File("clean")).OrderBy(d => d.Id));
    }

    private static async Task<List<Doubled>> RunToCompletionAsync(string directory, string input, int? seed)
    {
        Directory.CreateDirectory(directory);
        var state = Path.Combine(directory, "state.db");
        var output = Path.Combine(directory, "out");
        var random = seed is null ? null : new Random(seed.Value);
        for (var attempt = 0; attempt < 40; attempt++)
        {
            using var process = TestHostProcess.Start("run", "--state", state, "--input", input, "--output", output, "--commit", "50", "--parallel", "2", "--slow-ms", "20", "--lease-s", "1");
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            var killed = false;
            if (random is not null && attempt < 4)
            {
                // Early kills land in startup and planning, later ones mid-chunk and during checkpoint writes.
                var delay = random.Next(200, 1500);
                if (!process.WaitForExit(delay))
                {
                    process.Kill(entireProcessTree: true); // SIGKILL: no cleanup, no final checkpoint
                    killed = true;
                }
            }

            await process.WaitForExitAsync();
            var text = await stdout + await stderr;
            if (!killed && process.ExitCode == 0)
            {
                return Items.ReadOutput(output);
            }

            if (!killed && process.ExitCode == 3)
            {
                await Task.Delay(1100); // the killed process's lease (1 s) has not expired yet
                continue;
            }

            if (!killed && process.ExitCode == 4)
            {
                continue; // a 1 s lease can lapse on a loaded machine: the attempt stopped without changing output
            }

            killed.Should().BeTrue($"an unkilled run must succeed, but exited {process.ExitCode}: {text}");
        }

        throw new UnreachableException("the job did not complete in 40 attempts");
    }
}
