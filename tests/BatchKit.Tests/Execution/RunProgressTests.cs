using BatchKit.Tests.Support;

namespace BatchKit.Tests.Execution;

/// <summary>The progress a run reports to <see cref="RunOptions.Progress"/>: snapshots while it runs, and a final one with the RunResult's counts.</summary>
public sealed class RunProgressTests
{
    private const int Partitions = 6;
    private const int Rows = 300;

    [Fact]
    public async Task RunAsync_WithProgress_ReportsRisingCountsAndAFinalSnapshotEqualToTheResult()
    {
        using var dir = new TempDirectory();
        await using var store = new SqliteCheckpointStore(dir.File("state.db"));
        var progress = new Recorder();

        var result = await new JobRunner(Build(dir, store)).RunAsync(RunParameters.Of("batch", "a"), new RunOptions { Progress = progress, ProgressInterval = TimeSpan.FromMilliseconds(40) });

        result.Status.Should().Be(RunStatus.Completed, result.Exception?.ToString());
        var snapshots = progress.Snapshots;
        snapshots.Should().HaveCountGreaterThan(3, "the run takes more than a few intervals");
        snapshots.Count(s => s.IsFinal).Should().Be(1);
        var final = snapshots[^1];
        final.IsFinal.Should().BeTrue("the final snapshot is the last call");
        final.Status.Should().Be(result.Status);
        (final.RecordsRead, final.RecordsWritten, final.Errors, final.InDoubt).Should().Be((result.RecordsRead, result.RecordsWritten, result.Errors, result.InDoubt));
        final.RecordsRead.Should().Be(Partitions * Rows);
        final.Errors.Should().BeGreaterThan(0, "every 97th record is an error record");
        final.CompletedPartitions.Should().Be(Partitions);
        final.Partitions.Should().OnlyContain(p => p.Status == PartitionStatus.Completed && p.RecordsRead == Rows && p.ExpectedRecords == Rows && !p.IsLocal);
        final.Partitions.Sum(p => p.RecordsWritten).Should().Be(result.RecordsWritten);

        snapshots.Select(s => s.Elapsed).Should().BeInAscendingOrder();
        snapshots.Select(s => s.RecordsRead).Should().BeInAscendingOrder("records read never go back in a run whose partitions resume");
        snapshots.Should().Contain(s => s.Partitions.Any(p => p.Status == PartitionStatus.Running && p.IsLocal && p.RecordsRead > 0 && p.RecordsRead < Rows), "a running partition shows its count while it runs");
        for (var i = 0; i < Partitions; i++)
        {
            var states = snapshots.Select(s => s.Partitions[i].Status).ToList();
            Collapse(states).Should().BeSubsetOf([PartitionStatus.Pending, PartitionStatus.Running, PartitionStatus.Completed]);
            Collapse(states).Should().BeInAscendingOrder("partition {0} goes pending, running, completed, and never back", i);
            snapshots.Select(s => s.Partitions[i].RecordsRead).Should().BeInAscendingOrder();
            snapshots.Where(s => s.Partitions[i].Status == PartitionStatus.Completed).Should().OnlyContain(s => s.Partitions[i].RecordsRead == Rows, "a completed partition shows its totals");
        }
    }

    [Fact]
    public async Task RunAsync_CancelledThenResumed_TheResumedCallStartsFromTheCheckpointsAndEndsWithTheResultsCounts()
    {
        using var dir = new TempDirectory();
        await using var store = new SqliteCheckpointStore(dir.File("state.db"));
        using var cancellation = new CancellationTokenSource();
        var first = new Recorder(s =>
        {
            if (s.CompletedPartitions >= 2)
            {
                cancellation.Cancel();
            }
        });

        var cancelled = async () => await new JobRunner(Build(dir, store)).RunAsync(RunParameters.Of("batch", "b"), new RunOptions { Progress = first, ProgressInterval = TimeSpan.FromMilliseconds(40) }, cancellation.Token);
        await cancelled.Should().ThrowAsync<OperationCanceledException>();
        first.Snapshots[^1].Should().Match<RunProgress>(s => s.IsFinal && s.Status == RunStatus.Cancelled, "a stopped call ends with a final snapshot that says so");
        var done = first.Snapshots[^1].CompletedPartitions;

        var second = new Recorder();
        var result = await new JobRunner(Build(dir, store)).RunAsync(RunParameters.Of("batch", "b"), new RunOptions { Progress = second, ProgressInterval = TimeSpan.FromMilliseconds(40) });

        result.Status.Should().Be(RunStatus.Completed, result.Exception?.ToString());
        result.PartitionsProcessed.Should().BeLessThan(Partitions);
        second.Snapshots[0].CompletedPartitions.Should().BeGreaterThanOrEqualTo(done, "partitions completed by the first call are completed from the start");
        second.Snapshots[0].RecordsRead.Should().BeGreaterThanOrEqualTo((long)done * Rows, "their counts come from their checkpoints");
        var final = second.Snapshots[^1];
        (final.Status, final.RecordsRead, final.RecordsWritten, final.Errors, final.InDoubt).Should().Be((result.Status, result.RecordsRead, result.RecordsWritten, result.Errors, result.InDoubt));
        final.RecordsRead.Should().Be(Partitions * Rows);
    }

    [Fact]
    public async Task RunAsync_ProgressReceiverThrows_TheRunCompletesAndTheReceiverIsNotCalledAgain()
    {
        using var dir = new TempDirectory();
        await using var store = new SqliteCheckpointStore(dir.File("state.db"));
        var calls = 0;
        var throwing = new Recorder(_ =>
        {
            Interlocked.Increment(ref calls);
            throw new InvalidOperationException("the display broke");
        });

        var result = await new JobRunner(Build(dir, store)).RunAsync(RunParameters.Of("batch", "c"), new RunOptions { Progress = throwing, ProgressInterval = TimeSpan.FromMilliseconds(20) });

        result.Status.Should().Be(RunStatus.Completed);
        result.RecordsRead.Should().Be(Partitions * Rows);
        calls.Should().Be(1);
    }

    private static Job Build(TempDirectory dir, ICheckpointStore store) => Job.Create("progress")
        .ReadFrom(new EnumerableSource<long>(p =>
        {
            var (start, end) = PartitionDescriptor.ParseRows(p.Descriptor);
            return Enumerable.Range(0, (int)(end - start)).Select(i => start + i);
        }))
        .PartitionBy(Partitioners.RowRanges(Partitions * Rows, Rows))
        .Validate(v => v % 97 == 0 ? "a multiple of 97" : null)
        .AddStep(new SlowStep())
        .WriteTo(new JsonLinesSink<long>(dir.File("out")))
        .WithParallelism(2)
        .WithCommitInterval(25)
        .Configure(o => o.MaxErrorRate = 0.05)
        .UseCheckpointStore(store)
        .Build();

    private static List<PartitionStatus> Collapse(List<PartitionStatus> states) =>
        states.Where((s, i) => i == 0 || states[i - 1] != s).ToList();

    /// <summary>Keeps every snapshot, in the order reported (the runner reports one at a time).</summary>
    private sealed class Recorder(Action<RunProgress>? onReport = null) : IProgress<RunProgress>
    {
        private readonly List<RunProgress> _snapshots = [];

        public List<RunProgress> Snapshots
        {
            get
            {
                lock (_snapshots)
                {
                    return [.. _snapshots];
                }
            }
        }

        public void Report(RunProgress value)
        {
            lock (_snapshots)
            {
                _snapshots.Add(value);
            }

            onReport?.Invoke(value);
        }
    }

    /// <summary>A step that takes its time (a millisecond a record), so the run spans many progress intervals.</summary>
    private sealed class SlowStep : IStep<long, long>
    {
        public async ValueTask ExecuteAsync(long record, StepOutput<long> output, StepContext context, CancellationToken cancellationToken)
        {
            await Task.Delay(1, cancellationToken);
            output.Emit(record);
        }
    }
}
