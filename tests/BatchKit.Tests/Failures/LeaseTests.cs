using System.Diagnostics;
using BatchKit.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace BatchKit.Tests.Failures;

public sealed class LeaseTests
{
    private static readonly RunParameters Date = RunParameters.Of("date", new DateOnly(2026, 11, 22));

    [Fact]
    public async Task RunAsync_TwoProcessesOnSameRunKey_CooperateAndWriteEachRecordOnce()
    {
        using var dir = new TempDirectory();
        Items.WriteJsonLines(dir.File("in"), files: 2, perFile: 1_000);
        string[] args = ["run", "--state", dir.File("state.db"), "--input", dir.File("in"), "--output", dir.File("out"), "--commit", "50", "--slow-ms", "200", "--parallel", "1"];

        var results = await Task.WhenAll(TestHostProcess.RunAsync(args), TestHostProcess.RunAsync(args));

        results.Select(r => r.ExitCode).Should().Equal([0, 0], string.Join(" / ", results.Select(r => r.Output + r.Error)));
        results.Should().OnlyContain(r => r.Output.Contains("status=Completed", StringComparison.Ordinal));
        Items.ReadOutput(dir.File("out")).Select(d => d.Id).Should().BeEquivalentTo(Enumerable.Range(1, 2_000).Select(i => (long)i));
    }

    [Fact]
    public async Task RunAsync_RunLeaseHeldByLiveWorkerPastWaitTimeout_ThrowsNamingHolderAndExpiry()
    {
        await using var store = new InMemoryCheckpointStore();
        var runKey = new RunKey("single-claim", Date);
        await store.AcquireRunAsync(runKey, "planner-elsewhere", TimeSpan.FromMinutes(10), default);
        var job = Job.Create("single-claim")
            .ReadFrom(EnumerableSource<Item>.FromList(Items.Create(10)))
            .WriteTo(new CollectingSink<Item>())
            .Configure(o => o.LeaseWaitTimeout = TimeSpan.FromSeconds(1))
            .UseCheckpointStore(store)
            .Build();
        var watch = Stopwatch.StartNew();

        var run = () => new JobRunner(job).RunAsync(Date);

        (await run.Should().ThrowAsync<RunLeaseConflictException>()).Which.Message.Should().Contain("single-claim").And.Contain("planner-elsewhere").And.Contain("until 20");
        watch.Elapsed.Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(1), "the run lease is waited for as long as LeaseWaitTimeout says");
    }

    [Fact]
    public async Task RunAsync_SecondRunnerInSameProcess_CooperatesAndReprocessWhileHeldConflicts()
    {
        await using var store = new InMemoryCheckpointStore();
        var gate = new TaskCompletionSource();
        var sink = new CollectingSink<Item> { BeforeWrite = async _ => await gate.Task };
        Job Build() => Job.Create("single-instance")
            .ReadFrom(EnumerableSource<Item>.FromList(Items.Create(300)))
            .WriteTo(sink)
            .WithCommitInterval(100)
            .UseCheckpointStore(store)
            .Build();

        var first = new JobRunner(Build()).RunAsync(Date);
        await WaitUntilAsync(() => sink.Chunks > 0 || gate.Task.IsCompleted);
        var reprocess = () => new JobRunner(Build()).RunAsync(Date, new RunOptions { Reprocess = true });
        await reprocess.Should().ThrowAsync<RunLeaseConflictException>().WithMessage("*single-instance*held by the live worker*");

        var second = new JobRunner(Build()).RunAsync(Date);
        await Task.Delay(200);
        second.IsCompleted.Should().BeFalse("the second runner waits while the first holds the run's only partition");
        gate.SetResult();
        (await first).Status.Should().Be(RunStatus.Completed);
        var joined = await second;
        joined.Status.Should().Be(RunStatus.Completed, "both runners return the run's final status");
        joined.PartitionsProcessed.Should().Be(0);
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

        var takeover = await other.ClaimPartitionAsync(new PartitionClaim(runKey.Value, "other-host", TimeSpan.FromMinutes(1)), default);
        resume.SetResult();
        await WaitUntilAsync(() => sink.Chunks >= 3);
        await Task.Delay(300);

        takeover!.Epoch.Should().Be(2, "a takeover bumps the partition's epoch");
        (await other.GetCheckpointAsync(runKey.Value, "all", default))!.RecordsRead.Should().Be(200, "the stalled process could not commit chunk 3 after the takeover");
        (await other.GetPartitionStatesAsync(runKey.Value, default)).Single().LeaseOwner.Should().Be("other-host");

        // The taker hands the partition back; the stalled runner, still waiting for the run to settle, claims it again.
        await other.SetPartitionStateAsync(takeover, new PartitionState("all", PartitionStatus.Pending, 1, null, DateTimeOffset.UtcNow), release: true, default);
        var result = await run.WaitAsync(TimeSpan.FromSeconds(60));
        result.Status.Should().Be(RunStatus.Completed);
        (await store.GetCheckpointAsync(runKey.Value, "all", default))!.RecordsRead.Should().Be(1_000);
        (await store.GetPartitionStatesAsync(runKey.Value, default)).Single().LeaseEpoch.Should().Be(3);
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
