using BatchKit.Tests.Support;

namespace BatchKit.Tests.Failures;

/// <summary>A failure of any stage of a partition (checkpoint writer, source, step, sink) fails the partition promptly, however it surfaces.</summary>
public sealed class StageFailureTests
{
    private static readonly RunParameters Date = RunParameters.Of("date", new DateOnly(2026, 11, 22));
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task RunAsync_CheckpointWriterFailsWhileQueueIsFull_FailsPartitionPromptly()
    {
        var inner = new InMemoryCheckpointStore();
        await using var store = new FailingCommitStore(inner, succeedingCommits: 2, delay: TimeSpan.FromMilliseconds(300));
        var job = Job.Create("checkpoint-writer-fails")
            .ReadFrom(EnumerableSource<Item>.FromList(Items.Create(5_000)))
            .WriteTo(new CollectingSink<Item>())
            .WithCommitInterval(10)
            .Configure(o =>
            {
                o.MaxPartitionAttempts = 2;
                o.Retry.BaseDelay = TimeSpan.FromMilliseconds(1);
            })
            .UseCheckpointStore(store)
            .Build();

        var result = await new JobRunner(job).RunAsync(Date).WaitAsync(Limit);

        result.Status.Should().Be(RunStatus.Failed);
        result.Exception!.InnerException.Should().BeOfType<IOException>().Which.Message.Should().Contain("disk full");
        var states = await inner.GetPartitionStatesAsync(result.RunKey.Value, default);
        states.Should().ContainSingle().Which.Status.Should().Be(PartitionStatus.Failed);
        (await inner.GetRunAsync(result.RunKey.Value, default))!.LeaseOwner.Should().BeNull("a failed run releases its lease");
    }

    [Fact]
    public async Task RunAsync_SinkThrowsTaskCanceledTwice_RetriesAndCompletes()
    {
        var throws = 0;
        var sink = new CollectingSink<Item>();
        sink.BeforeWrite = chunk => chunk is 3 or 4 && Interlocked.Increment(ref throws) <= 2
            ? throw new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing.")
            : ValueTask.CompletedTask;

        var result = await RunAsync(EnumerableSource<Item>.FromList(Items.Create(1_000)), sink, new InMemoryCheckpointStore()).WaitAsync(Limit);

        result.Status.Should().Be(RunStatus.Completed);
        throws.Should().Be(2, "the third chunk timed out twice and was retried by the sink retry policy");
        sink.Records.Should().Equal(Items.Create(1_000));
    }

    [Fact]
    public async Task RunAsync_SinkAlwaysThrowsTaskCanceled_FailsRunAndReleasesLease()
    {
        var writes = 0;
        var sink = new CollectingSink<Item>();
        sink.BeforeWrite = _ =>
        {
            Interlocked.Increment(ref writes);
            throw new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing.");
        };
        await using var store = new InMemoryCheckpointStore();

        var result = await RunAsync(EnumerableSource<Item>.FromList(Items.Create(1_000)), sink, store).WaitAsync(Limit);

        result.Status.Should().Be(RunStatus.Failed);
        result.Exception.Should().BeOfType<PartitionFailedException>();
        result.Exception!.InnerException.Should().BeOfType<TaskCanceledException>();
        writes.Should().Be(2 * (1 + 3), "each of 2 partition attempts writes once and retries 3 times");
        var run = await store.GetRunAsync(result.RunKey.Value, default);
        run!.Status.Should().Be(RunStatus.Failed);
        run.LeaseOwner.Should().BeNull("a failed run releases its lease");
    }

    [Fact]
    public async Task RunAsync_SourceThrowsOperationCanceledOnce_RetriesAndCompletes()
    {
        var throws = 0;
        var source = new CancelingSource(EnumerableSource<Item>.FromList(Items.Create(1_000)), () => Interlocked.Increment(ref throws) == 2);
        var sink = new CollectingSink<Item>();

        var result = await RunAsync(source, sink, new InMemoryCheckpointStore()).WaitAsync(Limit);

        result.Status.Should().Be(RunStatus.Completed);
        sink.Records.Should().Equal(Items.Create(1_000));
    }

    [Fact]
    public async Task RunAsync_StepThrowsOperationCanceled_FailsPartitionAttemptsThenRun()
    {
        var calls = 0;
        await using var store = new InMemoryCheckpointStore();
        var job = Job.Create("step-cancels")
            .ReadFrom(EnumerableSource<Item>.FromList(Items.Create(1_000)))
            .Select(i => i.Id == 500 && Interlocked.Increment(ref calls) > 0 ? throw new OperationCanceledException("a call inside the step timed out") : i)
            .WriteTo(new CollectingSink<Item>())
            .WithCommitInterval(100)
            .Configure(o =>
            {
                o.MaxPartitionAttempts = 2;
                o.Retry.BaseDelay = TimeSpan.FromMilliseconds(1);
            })
            .UseCheckpointStore(store)
            .Build();

        var result = await new JobRunner(job).RunAsync(Date).WaitAsync(Limit);

        result.Status.Should().Be(RunStatus.Failed);
        result.Exception!.InnerException.Should().BeOfType<OperationCanceledException>().Which.Message.Should().Contain("timed out");
        calls.Should().Be(2, "each partition attempt failed once");
        (await store.GetRunAsync(result.RunKey.Value, default))!.LeaseOwner.Should().BeNull();
    }

    [Fact]
    public async Task RunAsync_CallerCancels_StillThrowsAndLeavesRunResumable()
    {
        using var cancel = new CancellationTokenSource();
        var sink = new CollectingSink<Item>();
        sink.BeforeWrite = async chunk =>
        {
            if (chunk == 3)
            {
                await cancel.CancelAsync();
            }
        };
        await using var store = new InMemoryCheckpointStore();
        var job = Job.Create("caller-cancels")
            .ReadFrom(EnumerableSource<Item>.FromList(Items.Create(1_000)))
            .WriteTo(sink)
            .WithCommitInterval(100)
            .UseCheckpointStore(store)
            .Build();
        var runKey = new RunKey("caller-cancels", Date);

        var run = () => new JobRunner(job).RunAsync(Date, cancel.Token).WaitAsync(Limit);

        await run.Should().ThrowAsync<OperationCanceledException>();
        (await store.GetRunAsync(runKey.Value, default))!.Status.Should().Be(RunStatus.Cancelled);
    }

    private static Task<RunResult> RunAsync(ISource<Item> source, ISink<Item> sink, ICheckpointStore store) =>
        new JobRunner(Job.Create("foreign-cancellation")
            .ReadFrom(source)
            .WriteTo(sink)
            .WithCommitInterval(100)
            .Configure(o =>
            {
                o.MaxPartitionAttempts = 2;
                o.Retry.BaseDelay = TimeSpan.FromMilliseconds(1);
            })
            .UseCheckpointStore(store)
            .Build()).RunAsync(Date);

    /// <summary>A store whose checkpoint commits succeed a few times, then hang for a while and fail, like a disk that filled up.</summary>
    private sealed class FailingCommitStore(ICheckpointStore inner, int succeedingCommits, TimeSpan delay) : DelegatingCheckpointStore(inner)
    {
        private int _commits;

        public override async ValueTask CommitChunkAsync(PartitionLease lease, Checkpoint checkpoint, IReadOnlyList<ErrorRecord> errors, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _commits) <= succeedingCommits)
            {
                await base.CommitChunkAsync(lease, checkpoint, errors, cancellationToken);
                return;
            }

            await Task.Delay(delay, CancellationToken.None);
            throw new IOException("disk full");
        }
    }

    /// <summary>Throws an <see cref="OperationCanceledException"/> of its own (not the run's token) when asked, the way a timed-out client call does.</summary>
    private sealed class CancelingSource(ISource<Item> inner, Func<bool> cancelNow) : ISource<Item>
    {
        public async ValueTask<ISourceReader<Item>> OpenAsync(SourceContext context, CancellationToken cancellationToken) =>
            new Reader(await inner.OpenAsync(context, cancellationToken), cancelNow);

        private sealed class Reader(ISourceReader<Item> inner, Func<bool> cancelNow) : ISourceReader<Item>
        {
            public long Position => inner.Position;

            public ValueTask<int> ReadAsync(Memory<Item> buffer, CancellationToken cancellationToken) =>
                cancelNow() ? throw new OperationCanceledException("the read timed out") : inner.ReadAsync(buffer[..Math.Min(buffer.Length, 50)], cancellationToken);

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }
}
