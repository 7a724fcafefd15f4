using BatchKit.Tests.Support;

namespace BatchKit.Tests.Execution;

public sealed class CombinerTests
{
    private const int Total = 10_000;

    /// <summary>Per value (<c>id % 97</c>): count, sum of ids, the smallest name, and the distinct <c>id % 7</c> seen.</summary>
    public sealed record ModResult(int Value, long Count, long IdSum, string MinName, int DistinctMods);

    /// <summary>A partial of <see cref="ModResult"/>; the set holds the exact distinct values (its array makes it stage as JSON).</summary>
    public sealed record ModPartial(int Value, long Count, long IdSum, string MinName, long[] Mods);

    [Fact]
    public async Task AggregateBy_SameData_EqualsRowShuffleThenAggregate()
    {
        using var dir = new TempDirectory();
        var items = Items.Create(Total);

        var rows = new CollectingSink<ModResult>(WriteDisposition.ReplacePartition);
        var rowResult = await new JobRunner(RowShuffleJob(dir, items, rows)).RunAsync(RunParameters.Empty);
        var combined = new CollectingSink<ModResult>(WriteDisposition.ReplacePartition);
        var combinedJob = CombinedJob(dir, items, combined);
        var combinedResult = await new JobRunner(combinedJob).RunAsync(RunParameters.Empty);

        rowResult.Status.Should().Be(RunStatus.Completed);
        combinedResult.Status.Should().Be(RunStatus.Completed);
        combinedResult.RecordsRead.Should().Be(Total);
        combinedResult.Errors.Should().Be(10).And.Be(rowResult.Errors);
        combinedResult.RecordsWritten.Should().Be(97).And.Be(rowResult.RecordsWritten);
        Sorted(combined).Should().Equal(Sorted(rows));
        Sorted(combined).Should().Equal(Expected(items));
        combinedJob.StageNames.Should().Equal("source", "validate", "aggregate", "sink");
    }

    [Fact]
    public async Task AggregateBy_TargetPartitionFailsThenStagingLost_RerunGivesTheCleanResult()
    {
        using var dir = new TempDirectory();
        var items = Items.Create(Total);
        await using var store = new SqliteCheckpointStore(dir.File("state.db"));
        var failing = new CollectingSink<ModResult>(WriteDisposition.ReplacePartition) { BeforeWrite = _ => throw new InvalidOperationException("warehouse down") };

        var first = await new JobRunner(CombinedJob(dir, items, failing, store, attempts: 1)).RunAsync(RunParameters.Empty);

        first.Status.Should().Be(RunStatus.Failed);
        var staged = Directory.GetFiles(dir.File("staging"), "*.bin", SearchOption.AllDirectories);
        staged.Should().HaveCount(7, "each of the 7 input partitions staged its partials in one file");

        // Lose one extract partition's staging: the rerun must extract that input partition again (event 2004).
        File.Delete(staged[3]);
        var sink = new CollectingSink<ModResult>(WriteDisposition.ReplacePartition);
        var second = await new JobRunner(CombinedJob(dir, items, sink, store)).RunAsync(RunParameters.Empty);

        second.Status.Should().Be(RunStatus.Completed);
        second.RecordsRead.Should().Be(Total);
        second.Errors.Should().Be(10);
        Sorted(sink).Should().Equal(Expected(items));
    }

    [Fact]
    public void Build_AggregateByAfterShuffleBy_IsAProblem()
    {
        var act = () => Job.Create("both")
            .ReadFrom(EnumerableSource<Item>.FromList(Items.Create(10)))
            .ShuffleBy(HashPartitioner<Item>.ByInt64(2, i => i.Id))
            .AggregateBy(HashPartitioner<ModPartial>.ByInt64(2, p => p.Value), () => new ModAggregator())
            .WriteTo(new CollectingSink<ModResult>())
            .Build();

        act.Should().Throw<JobValidationException>().WithMessage("*AggregateBy*instead of ShuffleBy*");
    }

    private static Job RowShuffleJob(TempDirectory dir, List<Item> items, CollectingSink<ModResult> sink) => Job.Create("rows")
        .ReadFrom(EnumerableSource<Item>.FromList(items))
        .PartitionBy(Partitioners.RowRanges(items.Count, 1500))
        .ShuffleBy(HashPartitioner<Item>.ByInt64(8, i => i.Value))
        .Validate(Rule)
        .Aggregate(() => new ModAggregator())
        .WriteTo(sink)
        .WithCommitInterval(500)
        .Configure(o => o.StagingDirectory = dir.File("staging-rows"))
        .UseCheckpointStore(new InMemoryCheckpointStore())
        .Build();

    private static Job CombinedJob(TempDirectory dir, List<Item> items, CollectingSink<ModResult> sink, ICheckpointStore? store = null, int attempts = 3) => Job.Create("combined")
        .ReadFrom(EnumerableSource<Item>.FromList(items))
        .PartitionBy(Partitioners.RowRanges(items.Count, 1500))
        .Validate(Rule)
        .AggregateBy(HashPartitioner<ModPartial>.ByInt64(8, p => p.Value), () => new ModAggregator())
        .WriteTo(sink)
        .WithCommitInterval(500)
        .Configure(o =>
        {
            o.StagingDirectory = dir.File("staging");
            o.MaxPartitionAttempts = attempts;
            o.Retry.MaxRetries = 0;
        })
        .UseCheckpointStore(store ?? new InMemoryCheckpointStore())
        .Build();

    private static string? Rule(Item item) => item.Id % 1000 == 0 ? "a round thousand" : null;

    private static List<ModResult> Sorted(CollectingSink<ModResult> sink) => [.. sink.Records.OrderBy(r => r.Value)];

    private static List<ModResult> Expected(List<Item> items) => [.. items
        .Where(i => Rule(i) is null)
        .GroupBy(i => i.Value)
        .Select(g => new ModResult(g.Key, g.Count(), g.Sum(i => i.Id), g.Select(i => i.Name).Order(StringComparer.Ordinal).First(), g.Select(i => i.Id % 7).Distinct().Count()))
        .OrderBy(r => r.Value)];

    private sealed class ModAggregator : ICombiningAggregator<Item, ModPartial, ModResult>
    {
        private readonly Dictionary<int, (long Count, long Sum, string Min, HashSet<long> Mods)> _groups = [];

        public void Add(Item record) => Fold(record.Value, 1, record.Id, record.Name, [record.Id % 7]);

        public void Merge(ModPartial partial) => Fold(partial.Value, partial.Count, partial.IdSum, partial.MinName, partial.Mods);

        public IEnumerable<ModPartial> CompletePartials() =>
            _groups.Select(g => new ModPartial(g.Key, g.Value.Count, g.Value.Sum, g.Value.Min, [.. g.Value.Mods])).ToList();

        public IEnumerable<ModResult> Complete() =>
            _groups.Select(g => new ModResult(g.Key, g.Value.Count, g.Value.Sum, g.Value.Min, g.Value.Mods.Count)).ToList();

        private void Fold(int value, long count, long sum, string name, long[] mods)
        {
            if (!_groups.TryGetValue(value, out var group))
            {
                group = (0, 0, name, []);
            }

            group.Mods.UnionWith(mods);
            _groups[value] = (group.Count + count, group.Sum + sum, string.CompareOrdinal(name, group.Min) < 0 ? name : group.Min, group.Mods);
        }
    }
}
