using System.Diagnostics;
using BatchKit.Tests.Support;

namespace BatchKit.Tests.Failures;

public sealed partial class ShutdownAndCleanupTests
{
    private const int SigTerm = 15;

    [Fact]
    public async Task Sigterm_StopsAtChunkBoundary_ExitsResumable_AndRerunCompletesExactly()
    {
        using var dir = new TempDirectory();
        Items.WriteJsonLines(dir.File("in"), files: 2, perFile: 2_000);
        string[] args = ["run", "--state", dir.File("state.db"), "--input", dir.File("in"), "--output", dir.File("out"), "--commit", "50", "--slow-ms", "50", "--lease-s", "2"];

        using var process = TestHostProcess.Start(args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        for (var i = 0; i < 200 && !(Directory.Exists(dir.File("out")) && Directory.GetFiles(dir.File("out"), "*.partial", SearchOption.AllDirectories).Any(f => new FileInfo(f).Length > 0)); i++)
        {
            await Task.Delay(50);
        }

        Kill(process.Id, SigTerm).Should().Be(0, "the signal was delivered");

        await process.WaitForExitAsync();
        process.ExitCode.Should().Be(GracefulShutdown.ResumableExitCode, await stdout + await stderr);
        (await stdout).Should().Contain("resumable");
        await using (var store = new SqliteCheckpointStore(dir.File("state.db")))
        {
            var run = await store.GetRunAsync(new RunKey("testhost-run", RunParameters.Of("date", "2026-11-22")).Value, default);
            run!.Status.Should().Be(RunStatus.Cancelled);
            run.LeaseOwner.Should().BeNull("a graceful stop releases the lease so the next run starts at once");
        }

        var rerun = await TestHostProcess.RunAsync(args);
        rerun.ExitCode.Should().Be(0, rerun.Output + rerun.Error);
        Items.ReadOutput(dir.File("out")).Select(d => d.Id).Should().BeEquivalentTo(Enumerable.Range(1, 4_000).Select(i => (long)i));
    }

    [Fact]
    public async Task CleanupAsync_RemovesStateAndStagingOfOldRunsOnly()
    {
        using var dir = new TempDirectory();
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero));
        await using var store = new SqliteCheckpointStore(dir.File("state.db"), null, time);
        var staging = dir.File("staging");
        Job Build() => Job.Create("cleanup")
            .ReadFrom(EnumerableSource<Item>.FromList(Items.Create(100)))
            .PartitionBy(Partitioners.RowRanges(100, 50))
            .ShuffleBy(HashPartitioner<Item>.ByInt64(4, i => i.Id))
            .Validate(i => i.Id == 7 ? "seven" : null)
            .WriteTo(new CollectingSink<Item>())
            .Configure(o => { o.StagingDirectory = staging; o.MaxErrorRate = 0.5; })
            .UseTimeProvider(time)
            .UseCheckpointStore(store)
            .Build();

        var old = await new JobRunner(Build()).RunAsync(RunParameters.Of("date", "2026-11-01"));
        time.Advance(TimeSpan.FromDays(10));
        var recent = await new JobRunner(Build()).RunAsync(RunParameters.Of("date", "2026-11-10"));
        Directory.CreateDirectory(Path.Combine(staging, "cleanup-" + old.RunKey.ShortValue, "leftover"));
        Directory.CreateDirectory(Path.Combine(staging, "cleanup-" + recent.RunKey.ShortValue, "leftover"));

        var deleted = await StaleStateCleanup.CleanupAsync(store, TimeSpan.FromDays(7), staging, time);

        deleted.Should().Equal(old.RunKey.Value);
        (await store.GetRunAsync(old.RunKey.Value, default)).Should().BeNull();
        (await store.QueryErrorsAsync(new ErrorQuery(old.RunKey.Value), default)).Should().BeEmpty();
        (await store.GetRunAsync(recent.RunKey.Value, default))!.Status.Should().Be(RunStatus.Completed);
        (await store.QueryErrorsAsync(new ErrorQuery(recent.RunKey.Value), default)).Should().ContainSingle();
        Directory.Exists(Path.Combine(staging, "cleanup-" + old.RunKey.ShortValue)).Should().BeFalse();
        Directory.Exists(Path.Combine(staging, "cleanup-" + recent.RunKey.ShortValue)).Should().BeTrue();
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
