using BatchKit.Tests.Support;

namespace BatchKit.Tests.Partitioning;

public sealed class PartitionerTests
{
    private static readonly PartitionPlanContext Context = new(new RunKey("plan", RunParameters.Of("date", new DateOnly(2026, 11, 22))));

    [Fact]
    public async Task PlanAsync_SameInputInAnotherProcess_GivesSameIdsDescriptorsAndRoutes()
    {
        var hash = HashPartitioner<long>.ByInt64(16, k => k);
        var byString = HashPartitioner<string>.ByString(16, k => k);
        var expected = new List<string>();
        foreach (var partitioner in new IPartitioner[] { hash, Partitioners.RowRanges(10_000, 1_000), Partitioners.KeyRanges(-50, 1000, 7), Partitioners.TimeBuckets(new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero), TimeSpan.FromHours(6)) })
        {
            expected.AddRange((await partitioner.PlanAsync(Context, default)).Select(p => $"{p.Index}|{p.Id}|{p.Descriptor}"));
        }

        for (var k = 0L; k < 1000; k++)
        {
            expected.Add($"route|{k}|{hash.Route(k)}|{byString.Route("key-" + k)}");
        }

        var (exitCode, output, error) = await TestHostProcess.RunAsync("plan");

        exitCode.Should().Be(0, error);
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Should().Equal(expected);
    }

    [Fact]
    public void Route_Int64Key_IsNonNegativeModulo()
    {
        var partitioner = HashPartitioner<long>.ByInt64(200, k => k);

        partitioner.Route(1234).Should().Be(34);
        partitioner.Route(-1).Should().Be(199);
        partitioner.Route(long.MinValue).Should().BeInRange(0, 199);
    }

    [Fact]
    public void Route_EveryRecord_LandsInExactlyOnePartitionInRange()
    {
        var partitioner = HashPartitioner<string>.ByString(13, k => k);
        var keys = Enumerable.Range(0, 50_000).Select(i => "customer-" + i).ToList();

        var routes = keys.Select(partitioner.Route).ToList();

        routes.Should().OnlyContain(r => r >= 0 && r < 13);
        routes.Distinct().Should().HaveCount(13, "FNV-1a spreads 50k keys over every bucket");
        keys.Select(partitioner.Route).Should().Equal(routes, "routing is a pure function of the key");
    }

    [Theory]
    [InlineData(0, 10)]
    [InlineData(1, 10)]
    [InlineData(10_000, 1_000)]
    [InlineData(10_001, 1_000)]
    [InlineData(999, 1_000)]
    public async Task RowRanges_CoverEveryRowExactlyOnce(long total, long size)
    {
        var partitions = await Partitioners.RowRanges(total, size).PlanAsync(Context, default);

        var rows = partitions.SelectMany(p =>
        {
            var (start, end) = PartitionDescriptor.ParseRows(p.Descriptor);
            return Enumerable.Range((int)start, (int)(end - start)).Select(i => (long)i);
        }).ToList();

        rows.Should().Equal(Enumerable.Range(0, (int)total).Select(i => (long)i));
        partitions.Select(p => p.Id).Should().OnlyHaveUniqueItems();
        partitions.Select(p => p.Index).Should().Equal(Enumerable.Range(0, partitions.Count));
    }

    [Fact]
    public async Task KeyRanges_CoverTheKeySpaceWithoutGapsOrOverlap()
    {
        var partitions = await Partitioners.KeyRanges(-50, 1000, 7).PlanAsync(Context, default);
        var ranges = partitions.Select(p => PartitionDescriptor.ParseKeys(p.Descriptor)).ToList();

        ranges[0].Start.Should().Be(-50);
        ranges[^1].End.Should().Be(1000);
        ranges.Zip(ranges.Skip(1)).Should().OnlyContain(pair => pair.First.End == pair.Second.Start);
        partitions.Should().HaveCount(7);
    }

    [Fact]
    public async Task TimeBuckets_SplitADayIntoHours()
    {
        var day = new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero);
        var partitions = await Partitioners.TimeBuckets(day, day.AddDays(1), TimeSpan.FromHours(1)).PlanAsync(Context, default);

        partitions.Should().HaveCount(24);
        PartitionDescriptor.ParseTime(partitions[5].Descriptor).Should().Be((day.AddHours(5), day.AddHours(6)));
        partitions[5].Id.Should().Be("time-20261122T050000");
    }

    [Fact]
    public async Task Files_ListsFilesInOrdinalOrderWithNameDerivedIds()
    {
        using var dir = new TempDirectory();
        foreach (var name in new[] { "b.jsonl", "a.jsonl", "C.jsonl", "skip.txt" })
        {
            await File.WriteAllTextAsync(dir.File(name), "{}");
        }

        var partitions = await Partitioners.Files(dir.Path, "*.jsonl").PlanAsync(Context, default);

        partitions.Select(p => Path.GetFileName(PartitionDescriptor.ParseFile(p.Descriptor))).Should().Equal("C.jsonl", "a.jsonl", "b.jsonl");
        partitions.Select(p => p.Id).Should().Equal("C", "a", "b");
    }

    [Fact]
    public void ParseRows_WrongDescriptor_NamesExpectedAndFound()
    {
        var act = () => PartitionDescriptor.ParseRows("keys:1:2");

        act.Should().Throw<FormatException>().WithMessage("*rows:<start>:<end>*keys:1:2*");
    }
}
