using BatchKit.Tests.Support;

namespace BatchKit.Tests.Failures;

/// <summary>One test per row of the failure table: each run with a fault ends with the sink holding exactly the clean run's output.</summary>
public sealed class FaultInjectionTests
{
    private static readonly RunParameters Date = RunParameters.Of("date", new DateOnly(2026, 11, 22));
    private static readonly List<Item> Input = Items.Create(2_000);

    [Fact]
    public async Task SourceUnavailable_FailsTwiceThenWorks_RetriesAndLosesNothing()
    {
        var failures = 0;
        var source = new FlakySource(EnumerableSource<Item>.FromList(Input), (context, reads) =>
            reads == 3 && Interlocked.Increment(ref failures) <= 2 ? new IOException("connection reset by peer") : null);
        var sink = new CollectingSink<Item>();

        var result = await RunAsync(source, sink, o => o.Retry.BaseDelay = TimeSpan.FromMilliseconds(1));

        result.Status.Should().Be(RunStatus.Completed);
        failures.Should().Be(3, "two reads failed and were retried, the third attempt at that read passed the check");
        sink.Records.Should().Equal(CleanOutput());
        source.OpenedAt.Should().Contain(p => p > 0, "a retried read reopens the source after the last record returned");
    }

    [Fact]
    public async Task SourceUnavailable_PastRetries_FailsPartitionWithCause()
    {
        var source = new FlakySource(EnumerableSource<Item>.FromList(Input), (context, reads) => new TimeoutException("read timed out"));
        var sink = new CollectingSink<Item>();

        var result = await RunAsync(source, sink, o =>
        {
            o.Retry.BaseDelay = TimeSpan.FromMilliseconds(1);
            o.MaxPartitionAttempts = 2;
        });

        result.Status.Should().Be(RunStatus.Failed);
        result.Exception.Should().BeOfType<PartitionFailedException>();
        result.Exception!.InnerException.Should().BeOfType<TimeoutException>();
        result.Exception.Message.Should().Contain("read timed out").And.Contain("after 2 attempt(s)");
        source.Opens.Should().Be(2 * (1 + 3), "each of 2 partition attempts opens once and retries 3 times");
    }

    [Fact]
    public async Task SinkWriteFailure_OnChunkK_RetriesChunkIdempotently()
    {
        var throws = 0;
        var sink = new CollectingSink<Item>();
        sink.BeforeWrite = chunk => chunk is 3 or 4 && Interlocked.Increment(ref throws) <= 2 ? throw new IOException("write conflict") : ValueTask.CompletedTask;

        var result = await RunAsync(EnumerableSource<Item>.FromList(Input), sink, o => o.Retry.BaseDelay = TimeSpan.FromMilliseconds(1));

        result.Status.Should().Be(RunStatus.Completed);
        throws.Should().Be(2);
        sink.Records.Should().Equal(CleanOutput());
    }

    [Fact]
    public async Task SinkWriteFailure_OnAppendFile_TruncatesBackAndWritesOnce()
    {
        using var dir = new TempDirectory();
        var inner = new JsonLinesSink<Item>(dir.Path);
        var calls = 0;
        var sink = new FailingAfterWriteSink<Item>(inner, () => Interlocked.Increment(ref calls) == 5);

        var result = await RunAsync(EnumerableSource<Item>.FromList(Input), sink, o => o.Retry.BaseDelay = TimeSpan.FromMilliseconds(1));

        result.Status.Should().Be(RunStatus.Completed);
        var lines = File.ReadAllLines(inner.PathOf(new RunKey("faults", Date), "all"));
        lines.Should().HaveCount(Input.Count, "the chunk written before the failure was truncated away before the retry");
        lines.Select(l => System.Text.Json.JsonSerializer.Deserialize<Item>(l, Items.Json)).Should().Equal(Input);
    }

    [Fact]
    public async Task TransformError_OnChosenRecords_GoesToErrorStoreAndIsSkipped()
    {
        await using var store = new InMemoryCheckpointStore();
        var sink = new CollectingSink<Item>();
        var job = Job.Create("transform-errors")
            .ReadFrom(EnumerableSource<Item>.FromList(Input))
            .PartitionBy(Partitioners.RowRanges(Input.Count, 500))
            .Select(i => i.Id % 250 == 0 ? throw new ArgumentOutOfRangeException(nameof(i), $"no price for item {i.Id}") : i, "price")
            .WriteTo(sink)
            .WithCommitInterval(64)
            .UseCheckpointStore(store)
            .Build();

        var result = await new JobRunner(job).RunAsync(Date);

        result.Status.Should().Be(RunStatus.Completed);
        result.Errors.Should().Be(8);
        sink.Records.Select(r => r.Id).Should().BeEquivalentTo(Input.Where(i => i.Id % 250 != 0).Select(i => i.Id));
        var errors = await store.QueryErrorsAsync(new ErrorQuery(result.RunKey.Value), default);
        errors.Should().HaveCount(8);
        errors.Should().OnlyContain(e => e.Step == "price" && e.ExceptionType == typeof(ArgumentOutOfRangeException).FullName);
        errors.Select(e => e.Offset).Should().BeEquivalentTo([249L, 499L, 249L, 499L, 249L, 499L, 249L, 499L], "offsets are ordinals within each 500-row partition");
        errors[0].RawPayload.Should().Contain("\"Id\":250");
        var byPartition = await store.QueryErrorsAsync(new ErrorQuery(result.RunKey.Value, PartitionId: "rows-0001"), default);
        byPartition.Select(e => e.RawPayload).Should().Contain(p => p.Contains("\"Id\":750", StringComparison.Ordinal));
        var byReason = await store.QueryErrorsAsync(new ErrorQuery(result.RunKey.Value, Reason: "item 1000"), default);
        byReason.Should().ContainSingle();
    }

    [Fact]
    public async Task InvalidRecords_AboveErrorRate_FailRunWithClearMessage()
    {
        var sink = new CollectingSink<Item>();
        await using var store = new InMemoryCheckpointStore();
        var job = Job.Create("error-rate")
            .ReadFrom(EnumerableSource<Item>.FromList(Input))
            .Validate(i => i.Id % 50 == 0 ? "id divisible by 50" : null)
            .WriteTo(sink)
            .UseCheckpointStore(store)
            .Build();

        var result = await new JobRunner(job).RunAsync(Date);

        result.Status.Should().Be(RunStatus.Failed);
        result.Exception.Should().BeOfType<ErrorRateExceededException>();
        result.Exception!.Message.Should().Contain("error-rate").And.Contain("threshold of 1.00%").And.Contain("2.00%");
        (await store.GetRunAsync(result.RunKey.Value, default))!.LastError.Should().Contain("error-rate threshold");
    }

    [Fact]
    public async Task HangingPartition_PastTimeout_IsCancelledAndResumedToCleanOutput()
    {
        var hang = true;
        var sink = new CollectingSink<Item>();
        sink.BeforeWrite = async chunk =>
        {
            if (hang && chunk == 3)
            {
                await Task.Delay(Timeout.Infinite, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
            }
        };
        var store = new InMemoryCheckpointStore();

        var first = await RunAsync(EnumerableSource<Item>.FromList(Input), new HangAwareSink(sink), o =>
        {
            o.PartitionTimeout = TimeSpan.FromMilliseconds(300);
            o.MaxPartitionAttempts = 1;
        }, store);
        hang = false;
        var second = await RunAsync(EnumerableSource<Item>.FromList(Input), new HangAwareSink(sink), o => { }, store);

        first.Status.Should().Be(RunStatus.TimedOut);
        first.Exception!.InnerException.Should().BeOfType<PartitionTimeoutException>();
        second.Status.Should().Be(RunStatus.Completed);
        sink.Records.Should().Equal(CleanOutput());
    }

    [Fact]
    public async Task JobMaxDuration_Exceeded_MarksTimedOutAndNextRunResumes()
    {
        using var dir = new TempDirectory();
        var slow = true;
        var inner = new JsonLinesSink<Item>(dir.Path);
        var sink = new FailingAfterWriteSink<Item>(inner, () =>
        {
            if (slow)
            {
                Thread.Sleep(50); // a write that was durable but not yet checkpointed when the time ran out
            }

            return false;
        });
        var store = new InMemoryCheckpointStore();

        var first = await RunAsync(EnumerableSource<Item>.FromList(Input), sink, o => o.MaxDuration = TimeSpan.FromMilliseconds(400), store);
        slow = false;
        var checkpoint = await store.GetCheckpointAsync(first.RunKey.Value, "all", default);
        var second = await RunAsync(EnumerableSource<Item>.FromList(Input), sink, o => { }, store);

        first.Status.Should().Be(RunStatus.TimedOut);
        first.Exception!.Message.Should().Contain("maximum duration");
        checkpoint!.RecordsWritten.Should().BeGreaterThan(0).And.BeLessThan(Input.Count);
        second.Status.Should().Be(RunStatus.Completed);
        File.ReadAllLines(inner.PathOf(new RunKey("faults", Date), "all")).Select(l => System.Text.Json.JsonSerializer.Deserialize<Item>(l, Items.Json)).Should().Equal(CleanOutput());
    }

    [Fact]
    public async Task FailedPartition_IsRetriedAloneWithoutRerunningCompletedOnes()
    {
        var opened = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var failOnce = 1;
        var source = new FlakySource(EnumerableSource<Item>.FromList(Input), (context, reads) =>
            context.Partition.Id == "rows-0002" && Interlocked.Exchange(ref failOnce, 0) == 1 ? new InvalidOperationException("worker lost its connection") : null, opened);
        var sink = new CollectingSink<Item>();

        var result = await RunAsync(source, sink, o => o.Retry.BaseDelay = TimeSpan.FromMilliseconds(1), partitions: 500);

        result.Status.Should().Be(RunStatus.Completed);
        opened.Count(id => id == "rows-0002").Should().Be(2, "the failed partition got a second attempt");
        opened.Where(id => id != "rows-0002").Should().OnlyHaveUniqueItems("other partitions ran once");
        sink.Records.Select(r => r.Id).Order().Should().Equal(CleanOutput().Select(r => r.Id));
    }

    private static List<Item> CleanOutput() => Input;

    private static Task<RunResult> RunAsync(ISource<Item> source, ISink<Item> sink, Action<JobOptions> configure, ICheckpointStore? store = null, int partitions = 0)
    {
        var builder = Job.Create("faults").ReadFrom(source);
        if (partitions > 0)
        {
            builder = builder.PartitionBy(Partitioners.RowRanges(Input.Count, partitions));
        }

        var job = builder
            .WriteTo(sink)
            .WithParallelism(2)
            .WithCommitInterval(100)
            .Configure(configure)
            .UseCheckpointStore(store ?? new InMemoryCheckpointStore())
            .Build();
        return new JobRunner(job).RunAsync(Date);
    }

    /// <summary>Throws the exception <c>fault</c> returns for (partition, number of reads so far) instead of reading.</summary>
    private sealed class FlakySource(ISource<Item> inner, Func<SourceContext, int, Exception?> fault, System.Collections.Concurrent.ConcurrentQueue<string>? log = null) : ISource<Item>
    {
        private int _opens;

        public int Opens => _opens;

        public System.Collections.Concurrent.ConcurrentQueue<long> OpenedAt { get; } = new();

        public async ValueTask<ISourceReader<Item>> OpenAsync(SourceContext context, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _opens);
            OpenedAt.Enqueue(context.Position);
            log?.Enqueue(context.Partition.Id);
            return new Reader(await inner.OpenAsync(context, cancellationToken), context, fault);
        }

        private sealed class Reader(ISourceReader<Item> inner, SourceContext context, Func<SourceContext, int, Exception?> fault) : ISourceReader<Item>
        {
            private int _reads;

            public long Position => inner.Position;

            public ValueTask<int> ReadAsync(Memory<Item> buffer, CancellationToken cancellationToken)
            {
                if (fault(context, ++_reads) is { } ex)
                {
                    throw ex;
                }

                return inner.ReadAsync(buffer[..Math.Min(buffer.Length, 50)], cancellationToken);
            }

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }

    /// <summary>Writes through, then fails once when asked: the written chunk reached the file but was never committed.</summary>
    private sealed class FailingAfterWriteSink<T>(ISink<T> inner, Func<bool> failNow) : ISink<T>
    {
        public WriteDisposition Disposition => inner.Disposition;

        public async ValueTask<ISinkWriter<T>> OpenAsync(SinkContext context, CancellationToken cancellationToken) =>
            new Writer(await inner.OpenAsync(context, cancellationToken), failNow);

        private sealed class Writer(ISinkWriter<T> inner, Func<bool> failNow) : ISinkWriter<T>
        {
            public async ValueTask WriteAsync(ReadOnlyMemory<T> records, CancellationToken cancellationToken)
            {
                await inner.WriteAsync(records, cancellationToken);
                await inner.CommitAsync(cancellationToken);
                if (failNow())
                {
                    throw new IOException("connection lost after the write reached the file");
                }
            }

            public ValueTask<long> CommitAsync(CancellationToken cancellationToken) => inner.CommitAsync(cancellationToken);

            public ValueTask CompleteAsync(CancellationToken cancellationToken) => inner.CompleteAsync(cancellationToken);

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }

    /// <summary>Passes the cancellation token of the partition attempt to a sink hook that ignores tokens, the way a hung network call does until it is abandoned.</summary>
    private sealed class HangAwareSink(CollectingSink<Item> inner) : ISink<Item>
    {
        public WriteDisposition Disposition => inner.Disposition;

        public async ValueTask<ISinkWriter<Item>> OpenAsync(SinkContext context, CancellationToken cancellationToken) =>
            new Writer(await inner.OpenAsync(context, cancellationToken));

        private sealed class Writer(ISinkWriter<Item> inner) : ISinkWriter<Item>
        {
            public async ValueTask WriteAsync(ReadOnlyMemory<Item> records, CancellationToken cancellationToken) =>
                await inner.WriteAsync(records, cancellationToken).AsTask().WaitAsync(cancellationToken);

            public ValueTask<long> CommitAsync(CancellationToken cancellationToken) => inner.CommitAsync(cancellationToken);

            public ValueTask CompleteAsync(CancellationToken cancellationToken) => inner.CompleteAsync(cancellationToken);

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }
}
