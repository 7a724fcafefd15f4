using System.Diagnostics;
using BatchKit.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace BatchKit.Tests.Failures;

public sealed class LeaseTests
{
    private static readonly RunParameters Date = RunParameters.Of("date", new DateOnly(2026, 11, 22));

    [Fact]
    public async Task RunAsync_TwoProcessesOnSameRunKey_ExactlyOneRuns()
    {
        using var dir = new TempDirectory();
        Items.WriteJsonLines(dir.File("in"), files: 2, perFile: 1_000);
        string[] args = ["run", "--state", dir.File("state.db"), "--input", dir.File("in"), "--output", dir.File("out"), "--commit", "50", "--slow-ms", "200", "--lease-wait-s", "0"];

        var results = await Task.WhenAll(TestHostProcess.RunAsync(args), TestHostProcess.RunAsync(args));

        results.Select(r => r.ExitCode).Should().BeEquivalentTo([0, 3], string.Join(" / ", results.Select(r => r.Output + r.Error)));
        results.Single(r => r.ExitCode == 3).Error.Should().Contain("testhost-run").And.Contain("lease");
        Items.ReadOutput(dir.File("out")).Select(d => d.Id).Should().BeEquivalentTo(Enumerable.Range(1, 2_000).Select(i => (long)i));
    }

    [Fact]
    public async Task RunAsync_LiveHolderInAnotherProcess_WaitsThenThrowsNamingHolderAndExpiry()
    {
        using var dir = new TempDirectory();
        Items.WriteJsonLines(dir.File("in"), files: 2, perFile: 1_000);
        string[] args = ["run", "--state", dir.File("state.db"), "--input", dir.File("in"), "--output", dir.File("out"), "--commit", "50", "--slow-ms", "2000", "--lease-s", "3"];
        using var holder = TestHostProcess.Start(args);
        try
        {
            await WaitUntilAsync(() => Directory.Exists(dir.File("out")) && Directory.GetFiles(dir.File("out"), "*.partial", SearchOption.AllDirectories).Any(f => new FileInfo(f).Length > 0), attempts: 600);
            var watch = Stopwatch.StartNew();

            var second = await TestHostProcess.RunAsync(args);

            second.ExitCode.Should().Be(3, second.Output + second.Error);
            watch.Elapsed.Should().BeGreaterThan(TimeSpan.FromSeconds(3), "by default the lease is waited for as long as it lasts; the live holder renewed it meanwhile");
            holder.HasExited.Should().BeFalse("a live holder is never taken over");
            second.Error.Should().Contain("testhost-run").And.Contain($"/{holder.Id}/").And.Contain("until 20");
        }
        finally
        {
            holder.Kill(entireProcessTree: true);
            await holder.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task RunAsync_SecondRunnerInSameProcess_GetsClearErrorOrWaits()
    {
        await using var store = new InMemoryCheckpointStore();
        var gate = new TaskCompletionSource();
        var sink = new CollectingSink<Item> { BeforeWrite = async _ => await gate.Task };
        Job Build(TimeSpan wait) => Job.Create("single-instance")
            .ReadFrom(EnumerableSource<Item>.FromList(Items.Create(300)))
            .WriteTo(sink)
            .WithCommitInterval(100)
            .Configure(o => o.LeaseWaitTimeout = wait)
            .UseCheckpointStore(store)
            .Build();

        var first = new JobRunner(Build(TimeSpan.Zero)).RunAsync(Date);
        await WaitUntilAsync(() => sink.Chunks > 0);
        var conflict = () => new JobRunner(Build(TimeSpan.Zero)).RunAsync(Date);
        await conflict.Should().ThrowAsync<RunLeaseConflictException>().WithMessage("*single-instance*");

        var waiting = new JobRunner(Build(TimeSpan.FromSeconds(30))).RunAsync(Date);
        gate.SetResult();
        (await first).Status.Should().Be(RunStatus.Completed);
        var second = await waiting;
        second.WasAlreadyCompleted.Should().BeTrue("the waiting runner got the lease after the first finished, and found the run completed");
        sink.Written.Should().HaveCount(300);
    }

    [Fact]
    public async Task RunAsync_StalledProcessLosesLease_CannotCommitAfterTakeover()
    {
        using var dir = new TempDirectory();
        var path = dir.File("state.db");
        await using var store = new SqliteCheckpointStore(path);
        var stalled = new TaskCompletionSource();
        var resume = new TaskCompletionSource();
        var sink = new CollectingSink<Item>
        {
            BeforeWrite = async chunk =>
            {
                if (chunk == 3)
                {
                    stalled.SetResult();
                    await resume.Task;
                }
            },
        };
        var job = Job.Create("fenced")
            .ReadFrom(EnumerableSource<Item>.FromList(Items.Create(1_000)))
            .WriteTo(sink)
            .WithCommitInterval(100)
            .Configure(o => o.LeaseDuration = TimeSpan.FromMinutes(10))
            .UseCheckpointStore(store)
            .Build();

        var run = new JobRunner(job).RunAsync(Date);
        await stalled.Task;
        var later = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(1));
        await using var other = new SqliteCheckpointStore(path, null, later);
        var runKey = new RunKey("fenced", Date);

        // Checkpoints are written in the background: let the two committed chunks reach the store before the takeover.
        for (var i = 0; i < 500 && (await other.GetCheckpointAsync(runKey.Value, "all", default))?.RecordsRead != 200; i++)
        {
            await Task.Delay(10);
        }

        var before = (await other.GetRunAsync(runKey.Value, default))!.LeaseEpoch;
        var (takeover, _) = await other.AcquireRunAsync(runKey, "other-host", TimeSpan.FromMinutes(1), default);
        resume.SetResult();

        await run.Invoking(r => r).Should().ThrowAsync<LeaseLostException>();
        takeover.Epoch.Should().Be(before + 1, "a takeover bumps the epoch");
        var checkpoint = await other.GetCheckpointAsync(runKey.Value, "all", default);
        checkpoint!.RecordsRead.Should().Be(200, "the stalled process could not commit chunk 3 after the takeover");
        (await other.GetRunAsync(runKey.Value, default))!.LeaseOwner.Should().Be("other-host");
    }

    private static async Task WaitUntilAsync(Func<bool> condition, int attempts = 500)
    {
        for (var i = 0; i < attempts && !condition(); i++)
        {
            await Task.Delay(10);
        }

        condition().Should().BeTrue();
    }
}
