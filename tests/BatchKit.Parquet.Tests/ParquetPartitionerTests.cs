namespace BatchKit.Parquet.Tests;

public sealed class ParquetPartitionerTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task PlanAsync_SameDirectory_GivesSameIdsAndDescriptorsInPathOrder()
    {
        foreach (var name in new[] { "b.parquet", "a.parquet", "c.parquet" })
        {
            await ParquetSourceTests.WriteRawAsync(_dir.File(name), new(), nullable: false, rows: 10);
        }

        File.WriteAllText(_dir.File("notes.txt"), "not parquet");
        File.WriteAllText(_dir.File("d.parquet.tmp-0123456789ab"), "half written");
        File.WriteAllText(_dir.File("e.parquet.e3.partial"), "half written by epoch 3");
        var context = new PartitionPlanContext(TestSupport.Run);

        var first = await ParquetPartitioner.ForDirectory(_dir.Path).PlanAsync(context, CancellationToken.None);
        var second = await ParquetPartitioner.ForDirectory(_dir.Path).PlanAsync(context, CancellationToken.None);

        first.Should().Equal(second);
        first.Select(p => p.Id).Should().Equal("a", "b", "c");
        first.Select(p => p.Descriptor).Should().Equal(
            PartitionDescriptor.File(_dir.File("a.parquet")), PartitionDescriptor.File(_dir.File("b.parquet")), PartitionDescriptor.File(_dir.File("c.parquet")));
        first.Select(p => p.Index).Should().Equal(0, 1, 2);
    }

    [Fact]
    public async Task PlanAsync_NestedFiles_IdsDeriveFromRelativePathAndRecordInputIdentity()
    {
        Directory.CreateDirectory(_dir.File("2026-11-22"));
        await ParquetSourceTests.WriteRawAsync(_dir.File("2026-11-22/events-01.parquet"), new(), nullable: false, rows: 10);
        await ParquetSourceTests.WriteRawAsync(_dir.File("2026-11-22/events-02.parquet"), new(), nullable: false, rows: 10, rowGroups: 2);
        var context = new PartitionPlanContext(TestSupport.Run);

        var whole = await ParquetPartitioner.ForDirectory(_dir.Path, recursive: true).PlanAsync(context, CancellationToken.None);
        var groups = await ParquetPartitioner.ForDirectory(_dir.Path, recursive: true, rowGroupsPerPartition: 1).PlanAsync(context, CancellationToken.None);

        whole.Select(p => p.Id).Should().Equal("2026-11-22_events-01", "2026-11-22_events-02");
        groups.Select(p => p.Id).Should().Equal("2026-11-22_events-01-rg-0000", "2026-11-22_events-02-rg-0000", "2026-11-22_events-02-rg-0001");
        whole[0].InputIdentity.Should().Be(InputIdentity.OfFile(_dir.File("2026-11-22/events-01.parquet")))
            .And.Contain("size=" + new FileInfo(_dir.File("2026-11-22/events-01.parquet")).Length);
        groups[1].InputIdentity.Should().Be(groups[2].InputIdentity, "row-group partitions of one file share its identity");
    }

    [Fact]
    public async Task PlanAsync_RowGroupRanges_CoverEveryRowExactlyOnce()
    {
        await ParquetSourceTests.WriteRawAsync(_dir.File("one.parquet"), new(), nullable: true, rows: 1000, rowGroups: 7);
        await ParquetSourceTests.WriteRawAsync(_dir.File("two.parquet"), new(), nullable: false, rows: 300, rowGroups: 2);
        var partitioner = ParquetPartitioner.ForFiles([_dir.File("two.parquet"), _dir.File("one.parquet")], rowGroupsPerPartition: 3);

        var plan = await partitioner.PlanAsync(new PartitionPlanContext(TestSupport.Run), CancellationToken.None);

        plan.Select(p => p.Id).Should().Equal("one-rg-0000", "one-rg-0003", "one-rg-0006", "two-rg-0000");
        plan[1].Descriptor.Should().Be(ParquetPartitionDescriptor.Format(_dir.File("one.parquet"), 3, 6));
        var source = new ParquetSource<ParquetSourceTests.RawRow>();
        var seen = new List<(string File, long UserId)>();
        foreach (var partition in plan)
        {
            var (records, position) = await TestSupport.ReadAllAsync(source, partition);
            position.Should().Be(records.Count);
            seen.AddRange(records.Select(r => (ParquetPartitionDescriptor.Parse(partition.Descriptor).Path, r.UserId)));
        }

        seen.Should().OnlyHaveUniqueItems();
        seen.Count(s => s.File.EndsWith("one.parquet", StringComparison.Ordinal)).Should().Be(1000);
        seen.Count(s => s.File.EndsWith("two.parquet", StringComparison.Ordinal)).Should().Be(300);
    }

    [Fact]
    public async Task OpenAsync_RowGroupRangeAtPosition_ContinuesInsideTheRange()
    {
        var path = _dir.File("ranges.parquet");
        await ParquetSourceTests.WriteRawAsync(path, new(), nullable: true, rows: 1000, rowGroups: 10);
        var partition = new Partition(0, "r", ParquetPartitionDescriptor.Format(path, 2, 5));

        var (records, position) = await TestSupport.ReadAllAsync(new ParquetSource<ParquetSourceTests.RawRow>(), partition, position: 150);

        records.Select(r => r.UserId).Should().Equal(Enumerable.Range(350, 150).Select(i => (long)i));
        position.Should().Be(300);
    }

    [Theory]
    [InlineData("/data/x.parquet", 0, 4)]
    [InlineData("/data/odd#rg=name.parquet", 12, 13)]
    public void Format_ThenParse_RoundTrips(string path, int first, int end)
    {
        var descriptor = ParquetPartitionDescriptor.Format(path, first, end);

        ParquetPartitionDescriptor.Parse(descriptor).Should().Be(new ParquetPartitionSlice(path, first, end));
    }

    [Fact]
    public void Parse_FileDescriptor_ReadsTheWholeFile() =>
        ParquetPartitionDescriptor.Parse(PartitionDescriptor.File("/d/a.parquet")).Should().Be(new ParquetPartitionSlice("/d/a.parquet", 0, null));

    [Theory]
    [InlineData("rows:0:10")]
    [InlineData("parquet:/x.parquet")]
    [InlineData("parquet:/x.parquet#rg=5-5")]
    public void Parse_OtherDescriptor_ThrowsFormatException(string descriptor)
    {
        var act = () => ParquetPartitionDescriptor.Parse(descriptor);

        act.Should().Throw<FormatException>().WithMessage($"*{descriptor}*");
    }
}
