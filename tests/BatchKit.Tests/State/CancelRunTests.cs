using BatchKit.Tests.Support;

namespace BatchKit.Tests.State;

/// <summary><see cref="RunMaintenance.CancelRunAsync"/> against a real run in this process (the process tests are in Workers/CancelProcessTests).</summary>
public sealed class CancelRunTests
{
    private static readonly RunParameters Day = RunParameters.Of("date", new DateOnly(2026, 11, 30));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CancelRunAsync_WhileRunning_StopsAtAChunkBoundaryCancelled_AndOnlyAnExplicitRerunResumes(bool sqlite)
    {
        using var dir = new TempDirectory();
        await using var store = sqlite ? new SqliteCheckpointStore(dir.File("state.db")) : (ICheckpointStore)new InMemoryCheckpointStore();
        var written = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();
        var started = new TaskCompletionSource();
        var job = Job.Create("cancel-me")
            .ReadFrom(EnumerableSource<int>.FromList([.. Enumerable.Range(0, 2_000)]))
            .PartitionBy(Partitioners.RowRanges(2_000, 500))
            .WriteTo(new DelegateSink<int>(async (_, records, token) =>
            {
                foreach (var r in records.ToArray())
                {
                    written.AddOrUpdate(r, 1, (_, n) => n + 1);
                }

                started.TrySetResult();
                await Task.Delay(20, token);
            }))
            .WithCommitInterval(10)
            .WithParallelism(2)
            .UseCheckpointStore(store)
            .Build();
        var running = new JobRunner(job).RunAsync(Day);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var runKey = new RunKey("cancel-me", Day).Value;

        var record = await RunMaintenance.CancelRunAsync(store, runKey, "operator-1");
        var result = await running.WaitAsync(TimeSpan.FromSeconds(30));

        record.Status.Should().Be(RunStatus.Cancelled);
        record.CancelRequestedBy.Should().Be("operator-1");
        result.Status.Should().Be(RunStatus.Cancelled);
        result.Exception.Should().BeOfType<RunCancelledException>().Which.RequestedBy.Should().Be("operator-1");
        result.RecordsWritten.Should().BeLessThan(2_000);
        (await store.GetRunAsync(runKey, default))!.Status.Should().Be(RunStatus.Cancelled, "the worker's stop keeps the cancelled status");
        (await store.GetPartitionStatesAsync(runKey, default)).Should().OnlyContain(s => s.LeaseOwner == null && s.Status != PartitionStatus.Running);
        (await RunMaintenance.CancelRunAsync(store, runKey, "operator-2")).CancelRequestedBy.Should().Be("operator-1", "cancelling twice changes nothing");

        var plain = await new JobRunner(job).RunAsync(Day);
        plain.Status.Should().Be(RunStatus.Cancelled);
        plain.PartitionsProcessed.Should().Be(0);

        var resumed = await new JobRunner(job).RunAsync(Day, new RunOptions { ResumeCancelled = true });
        resumed.Status.Should().Be(RunStatus.Completed);
        resumed.RecordsWritten.Should().Be(2_000);
        written.Keys.Should().HaveCount(2_000, "every record reached the sink");
        (await store.GetRunAsync(runKey, default))!.CancelRequestedAt.Should().BeNull();

        var refused = () => RunMaintenance.CancelRunAsync(store, runKey, "operator-1");
        await refused.Should().ThrowAsync<InvalidOperationException>().WithMessage("*is Completed*a completed run cannot be cancelled*");
    }
}
