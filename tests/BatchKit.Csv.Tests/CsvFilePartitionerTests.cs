namespace BatchKit.Csv.Tests;

public sealed class CsvFilePartitionerTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task PlanAsync_MatchingFiles_OneSortedPartitionEachWithStableIds()
    {
        _dir.Write("b.csv", "x");
        _dir.Write("a.csv", "x");
        _dir.Write("B.csv", "x");
        _dir.Write("notes.txt", "x");
        var partitioner = new CsvFilePartitioner(_dir.Path);
        var context = new PartitionPlanContext(SourceDriver.Run);

        var plan = await partitioner.PlanAsync(context, CancellationToken.None);
        var again = await partitioner.PlanAsync(context, CancellationToken.None);

        // "B" and "b" would clash on case-insensitive file systems: both get a hash suffix.
        plan.Select(p => p.Id).Should().SatisfyRespectively(
            id => id.Should().MatchRegex("^B-[0-9a-f]{8}$"), id => id.Should().Be("a"), id => id.Should().MatchRegex("^b-[0-9a-f]{8}$"));
        plan.Should().OnlyContain(p => p.InputIdentity == InputIdentity.OfFile(PartitionDescriptor.ParseFile(p.Descriptor)));
        plan.Select(p => p.Index).Should().Equal(0, 1, 2);
        plan.Select(p => PartitionDescriptor.ParseFile(p.Descriptor)).Should().Equal(
            Path.Combine(_dir.Path, "B.csv"), Path.Combine(_dir.Path, "a.csv"), Path.Combine(_dir.Path, "b.csv"));
        again.Should().Equal(plan);
    }

    [Fact]
    public async Task PlanAsync_FilesSharingAStem_GetHashSuffixes()
    {
        _dir.Write("day.csv", "x");
        _dir.Write("day.tsv", "x");
        var partitioner = new CsvFilePartitioner(_dir.Path, "day.*");

        var plan = await partitioner.PlanAsync(new PartitionPlanContext(SourceDriver.Run), CancellationToken.None);

        plan.Select(p => p.Id).Should().OnlyHaveUniqueItems().And.OnlyContain(id => id.StartsWith("day-", StringComparison.Ordinal) && id.Length == 12);
    }

    [Fact]
    public async Task PlanAsync_MissingDirectory_Throws()
    {
        var partitioner = new CsvFilePartitioner(Path.Combine(_dir.Path, "nope"));

        var act = async () => await partitioner.PlanAsync(new PartitionPlanContext(SourceDriver.Run), CancellationToken.None);

        await act.Should().ThrowAsync<DirectoryNotFoundException>();
    }

    [Fact]
    public async Task ForFile_OneFile_OnePartitionNamedAfterIt()
    {
        _dir.Write("orders-2026-11.csv", "x");
        _dir.Write("other.csv", "x");
        var partitioner = CsvFilePartitioner.ForFile(Path.Combine(_dir.Path, "orders-2026-11.csv"));

        var plan = await partitioner.PlanAsync(new PartitionPlanContext(SourceDriver.Run), CancellationToken.None);

        plan.Should().ContainSingle().Which.Id.Should().Be("orders-2026-11");
        PartitionDescriptor.ParseFile(plan[0].Descriptor).Should().Be(Path.Combine(_dir.Path, "orders-2026-11.csv"));
        partitioner.Definition.Should().Contain("orders-2026-11.csv");
    }

    [Fact]
    public async Task ForFiles_SameNameInTwoFolders_DistinctIdsInPathOrder()
    {
        _dir.Write(Path.Combine("east", "day.csv"), "x");
        _dir.Write(Path.Combine("west", "day.csv"), "x");
        var west = Path.Combine(_dir.Path, "west", "day.csv");
        var east = Path.Combine(_dir.Path, "east", "day.csv");

        var plan = await CsvFilePartitioner.ForFiles([west, east, west]).PlanAsync(new PartitionPlanContext(SourceDriver.Run), CancellationToken.None);

        plan.Select(p => PartitionDescriptor.ParseFile(p.Descriptor)).Should().Equal(east, west);
        plan.Select(p => p.Id).Should().OnlyHaveUniqueItems().And.OnlyContain(id => id.Contains("day", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ForFiles_MissingFile_FailsNamingIt()
    {
        var missing = Path.Combine(_dir.Path, "absent.csv");

        var act = async () => await CsvFilePartitioner.ForFile(missing).PlanAsync(new PartitionPlanContext(SourceDriver.Run), CancellationToken.None);

        (await act.Should().ThrowAsync<FileNotFoundException>()).WithMessage($"*{missing}*");
    }

    [Fact]
    public void ForFiles_EmptyList_IsRejected()
    {
        var act = () => CsvFilePartitioner.ForFiles([]);

        act.Should().Throw<ArgumentException>().WithMessage("*at least one input file*");
    }
}
