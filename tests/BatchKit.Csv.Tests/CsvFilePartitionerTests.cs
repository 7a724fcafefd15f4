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
}
