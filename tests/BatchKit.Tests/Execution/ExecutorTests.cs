using System.Collections.Concurrent;
using BatchKit.Tests.Support;

namespace BatchKit.Tests.Execution;

public sealed class ExecutorTests
{
    private static readonly RunParameters Date = RunParameters.Of("date", new DateOnly(2026, 11, 22));

    [Fact]
    public async Task RunAsync_ParallelPartitions_DeliverEveryRecordExactlyOnce()
    {
        var items = Items.Create(10_007);
        var sink = new CollectingSink<Doubled>();
        await using var store = new InMemoryCheckpointStore();
        var job = Job.Create("exactly-once")
            .ReadFrom(EnumerableSource<Item>.FromList(items))
            .PartitionBy(Partitioners.RowRanges(items.Count, 1_000))
            .Select(i => new Doubled(i.Id, i.Name, i.Value * 2))
            .WriteTo(sink)
            .WithParallelism(4)
            .WithCommitInterval(97)
            .UseCheckpointStore(store)
            .Build();

        var result = await new JobRunner(job).RunAsync(Date);

        result.Status.Should().Be(RunStatus.Completed);
        result.Partitions.Should().Be(11);
        result.RecordsRead.Should().Be(10_007);
        result.RecordsWritten.Should().Be(10_007);
        sink.Records.Select(r => r.Id).Should().BeEquivalentTo(items.Select(i => i.Id));
        sink.Records.Should().OnlyHaveUniqueItems();
        sink.Written.GroupBy(w => w.PartitionId).Should().HaveCount(11);
    }

    [Fact]
    public async Task RunAsync_SlowSink_KeepsChunksInFlightBounded()
    {
        const int commit = 50;
        const int capacity = 2;
        var produced = 0L;
        var maxInFlight = 0L;
        var sink = new CollectingSink<Doubled>();
        sink.BeforeWrite = async _ =>
        {
            var inFlight = Interlocked.Read(ref produced) - sink.Written.Count;
            InterlockedMax(ref maxInFlight, inFlight);
            await Task.Delay(2);
        };
        var source = new EnumerableSource<Item>(_ => Produce(20_000, () => Interlocked.Increment(ref produced)));
        var job = Job.Create("backpressure")
            .ReadFrom(source)
            .Select(i => new Doubled(i.Id, i.Name, i.Value))
            .Where(_ => true)
            .WriteTo(sink)
            .WithCommitInterval(commit)
            .Configure(o => o.ChannelCapacity = capacity)
            .UseCheckpointStore(new InMemoryCheckpointStore())
            .Build();

        await new JobRunner(job).RunAsync(Date);

        // source buffer + (stages + 1) channels × capacity + one chunk held by each of the two steps + the sink's chunk.
        var bound = commit * (1 + (3 * capacity) + 2 + 1);
        sink.Written.Count.Should().Be(20_000);
        maxInFlight.Should().BeGreaterThan(commit, "the source ran ahead of the slow sink");
        maxInFlight.Should().BeLessThanOrEqualTo(bound, "bounded channels stop the source when the sink is slow");
    }

    [Fact]
    public async Task RunAsync_Cancelled_StopsAtChunkBoundaryWithCheckpoint()
    {
        using var cancellation = new CancellationTokenSource();
        var sink = new CollectingSink<Item>();
        sink.BeforeWrite = chunk =>
        {
            if (chunk == 5)
            {
                cancellation.Cancel();
            }

            return ValueTask.CompletedTask;
        };
        await using var store = new InMemoryCheckpointStore();
        var job = Job.Create("cancel")
            .ReadFrom(EnumerableSource<Item>.FromList(Items.Create(5_000)))
            .WriteTo(sink)
            .WithParallelism(1)
            .WithCommitInterval(100)
            .UseCheckpointStore(store)
            .Build();

        var act = () => new JobRunner(job).RunAsync(Date, cancellation.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
        var runKey = new RunKey("cancel", Date);
        var run = await store.GetRunAsync(runKey.Value, default);
        run!.Status.Should().Be(RunStatus.Cancelled);
        run.LeaseOwner.Should().BeNull("a cancelled run releases its lease so it can be resumed at once");
        var checkpoint = await store.GetCheckpointAsync(runKey.Value, "all", default);
        checkpoint.Should().NotBeNull();
        (checkpoint!.RecordsRead % 100).Should().Be(0, "checkpoints fall on chunk boundaries");
        checkpoint.RecordsRead.Should().BeInRange(400, 500);
        checkpoint.SourcePosition.Should().Be(checkpoint.RecordsRead);

        sink.BeforeWrite = null;
        var resumed = await new JobRunner(job).RunAsync(Date);
        resumed.Status.Should().Be(RunStatus.Completed);
        sink.Records.Select(r => r.Id).Distinct().Should().HaveCount(5_000);
    }

    [Fact]
    public async Task RunAsync_AfterFailure_ResumesAtCheckpointWithoutRereading()
    {
        var opened = new ConcurrentBag<long>();
        var items = Items.Create(1_000);
        var source = new RecordingSource(EnumerableSource<Item>.FromList(items), opened);
        var sink = new CollectingSink<Item>();
        var fail = true;
        sink.BeforeWrite = chunk => fail && chunk == 4 ? throw new InvalidDataException("sink rejected chunk 4") : ValueTask.CompletedTask;
        await using var store = new InMemoryCheckpointStore();
        var job = Job.Create("resume")
            .ReadFrom(source)
            .WriteTo(sink)
            .WithParallelism(1)
            .WithCommitInterval(100)
            .Configure(o => o.MaxPartitionAttempts = 1)
            .UseCheckpointStore(store)
            .Build();

        var first = await new JobRunner(job).RunAsync(Date);
        first.Status.Should().Be(RunStatus.Failed);
        first.Exception!.Message.Should().Contain("sink rejected chunk 4").And.Contain("partition 'all'");
        sink.Written.Should().HaveCount(300);

        fail = false;
        opened.Clear();
        var second = await new JobRunner(job).RunAsync(Date);

        second.Status.Should().Be(RunStatus.Completed);
        opened.Should().Equal([300L], "the resumed partition opens the source at its last checkpoint");
        sink.Records.Select(r => r.Id).Should().Equal(items.Select(i => i.Id), "nothing before the checkpoint was read or written twice");
    }

    [Fact]
    public async Task RunAsync_CompletedRunKey_IsNoOpAndReprocessGivesIdenticalOutput()
    {
        using var dir = new TempDirectory();
        Items.WriteJsonLines(dir.File("in"), files: 3, perFile: 500);
        await using var store = new SqliteCheckpointStore(dir.File("state.db"));
        Job Build(string output) => Job.Create("reprocess")
            .ReadFrom(new JsonLinesSource<Item>())
            .PartitionBy(Partitioners.Files(dir.File("in"), "*.jsonl"))
            .Select(i => new Doubled(i.Id, i.Name, i.Value * 2))
            .WriteTo(new JsonLinesSink<Doubled>(dir.File(output)))
            .UseCheckpointStore(store)
            .Build();

        var first = await new JobRunner(Build("out")).RunAsync(Date);
        var firstFiles = Directory.GetFiles(dir.File("out"), "*", SearchOption.AllDirectories).Order().Select(File.ReadAllBytes).ToList();
        var again = await new JobRunner(Build("out")).RunAsync(Date);
        var reprocessed = await new JobRunner(Build("out")).RunAsync(Date, new RunOptions { Reprocess = true });

        first.Status.Should().Be(RunStatus.Completed);
        again.WasAlreadyCompleted.Should().BeTrue();
        again.PartitionsProcessed.Should().Be(0);
        reprocessed.WasAlreadyCompleted.Should().BeFalse();
        reprocessed.PartitionsProcessed.Should().Be(3);
        reprocessed.RecordsWritten.Should().Be(1_500);
        Directory.GetFiles(dir.File("out"), "*", SearchOption.AllDirectories).Order().Select(File.ReadAllBytes).Should().BeEquivalentTo(firstFiles, o => o.WithStrictOrdering());
    }

    [Fact]
    public async Task RunAsync_ShuffledAggregation_GroupsEveryKeyInOnePartition()
    {
        using var dir = new TempDirectory();
        var items = Items.Create(20_000);
        var sink = new CollectingSink<KeyValuePair<int, long>>(WriteDisposition.ReplacePartition);
        var job = Job.Create("shuffle")
            .ReadFrom(EnumerableSource<Item>.FromList(items))
            .PartitionBy(Partitioners.RowRanges(items.Count, 3_000))
            .ShuffleBy(HashPartitioner<Item>.ByInt64(8, i => i.Value))
            .Validate(i => i.Value == 13 ? "unlucky" : null)
            .Aggregate(() => new SumByValue())
            .WriteTo(sink)
            .WithCommitInterval(500)
            .Configure(o => o.StagingDirectory = dir.Path)
            .Configure(o => o.MaxErrorRate = 0.05)
            .UseCheckpointStore(new InMemoryCheckpointStore())
            .Build();

        var result = await new JobRunner(job).RunAsync(Date);

        result.Status.Should().Be(RunStatus.Completed);
        result.Partitions.Should().Be(7 + 8);
        result.RecordsRead.Should().Be(20_000);
        var expected = items.Where(i => i.Value != 13).GroupBy(i => i.Value).ToDictionary(g => g.Key, g => g.Sum(i => i.Id));
        sink.Records.Should().BeEquivalentTo(expected);
        sink.Written.Select(w => (w.Record.Key % 8, w.PartitionId)).Should().OnlyContain(w => w.PartitionId == "hash-000" + w.Item1);
        result.Errors.Should().Be(items.Count(i => i.Value == 13));
        Directory.GetDirectories(dir.Path).Should().BeEmpty("staging is removed when the run completes");
    }

    [Fact]
    public void Build_IncompleteDefinition_ListsEveryProblem()
    {
        var act = () => Job.Create("broken")
            .ReadFrom(EnumerableSource<Item>.FromList([]))
            .Configure(o => o.CommitInterval = 0)
            .Configure(o => o.MaxParallelism = 0)
            .Build();

        act.Should().Throw<JobValidationException>()
            .WithMessage("*broken*MaxParallelism must be at least 1*CommitInterval must be at least 1*no sink*");
    }

    [Fact]
    public void Build_Twice_Throws()
    {
        var builder = Job.Create("twice").ReadFrom(EnumerableSource<Item>.FromList([])).WriteTo(new CollectingSink<Item>());
        builder.Build();

        var act = () => builder.Build();

        act.Should().Throw<InvalidOperationException>().WithMessage("*already built*");
    }

    private static IEnumerable<Item> Produce(int count, Action onProduced)
    {
        for (var i = 1; i <= count; i++)
        {
            onProduced();
            yield return new Item(i, "n", i);
        }
    }

    private static void InterlockedMax(ref long target, long value)
    {
        long current;
        while (value > (current = Interlocked.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    private sealed class SumByValue : IAggregator<Item, KeyValuePair<int, long>>
    {
        private readonly Dictionary<int, long> _sums = [];

        public void Add(Item record) => _sums[record.Value] = _sums.GetValueOrDefault(record.Value) + record.Id;

        public IEnumerable<KeyValuePair<int, long>> Complete() => _sums;
    }

    private sealed class RecordingSource(ISource<Item> inner, ConcurrentBag<long> opened) : ISource<Item>
    {
        public ValueTask<ISourceReader<Item>> OpenAsync(SourceContext context, CancellationToken cancellationToken)
        {
            opened.Add(context.Position);
            return inner.OpenAsync(context, cancellationToken);
        }
    }
}
