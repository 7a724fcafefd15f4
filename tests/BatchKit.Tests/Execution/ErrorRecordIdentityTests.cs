using BatchKit.Tests.Support;

namespace BatchKit.Tests.Execution;

public sealed class ErrorRecordIdentityTests
{
    private static readonly RunParameters Date = RunParameters.Of("date", new DateOnly(2026, 11, 22));

    [Fact]
    public async Task RunAsync_TwoValidationsAfterFiltering_StoresEveryRejectionAtItsInputOrdinal()
    {
        using var temp = new TempDirectory();
        await using var store = new SqliteCheckpointStore(temp.File("state.db"));
        var items = Items.Create(50);
        var sink = new CollectingSink<Item>();
        var job = Job.Create("two-validations")
            .ReadFrom(EnumerableSource<Item>.FromList(items))
            .Validate(i => i.Id % 2 == 0 ? "even" : null)
            .Validate(i => i.Id % 3 == 0 ? "multiple of three" : null)
            .Configure(o => o.MaxErrorRate = 1)
            .WriteTo(sink)
            .WithCommitInterval(10)
            .UseCheckpointStore(store)
            .Build();

        var result = await new JobRunner(job).RunAsync(Date);

        var errors = await store.QueryErrorsAsync(new ErrorQuery(result.RunKey.Value), CancellationToken.None);
        var rejected = items.Where(i => i.Id % 2 == 0 || i.Id % 3 == 0).ToList();
        result.RecordsWritten.Should().Be(items.Count - rejected.Count);
        result.Errors.Should().Be(rejected.Count);
        errors.Should().HaveCount(rejected.Count, "every rejected record is in the error store");
        errors.Select(e => e.Offset).Should().BeEquivalentTo(rejected.Select(i => i.Id - 1), "an error's offset is the record's ordinal in the partition's input");
        errors.Where(e => e.Reason == "multiple of three").Select(e => e.Step).Should().AllBe("validate-2");
        errors.Where(e => e.Reason == "even").Select(e => e.Step).Should().AllBe("validate");
    }

    [Fact]
    public async Task RunAsync_ErrorAfterSelectManyAndFilter_NamesTheInputOrdinal()
    {
        await using var store = new InMemoryCheckpointStore();
        var items = Items.Create(30);
        var job = Job.Create("fan-out")
            .ReadFrom(EnumerableSource<Item>.FromList(items))
            .Where(i => i.Id % 4 != 0)
            .SelectMany(i => i.Id % 5 == 0 ? [] : new[] { i })
            .Select(i => i.Id == 7 ? throw new InvalidOperationException("seven") : i)
            .Configure(o => o.MaxErrorRate = 1)
            .WriteTo(new CollectingSink<Item>())
            .WithCommitInterval(8)
            .UseCheckpointStore(store)
            .Build();

        var result = await new JobRunner(job).RunAsync(Date);

        var errors = await store.QueryErrorsAsync(new ErrorQuery(result.RunKey.Value), CancellationToken.None);
        errors.Should().ContainSingle().Which.Offset.Should().Be(6, "item 7 is the seventh record of the input");
    }

    [Fact]
    public void Build_ExplicitDuplicateStepNames_ThrowsJobValidationException()
    {
        var build = () => Job.Create("duplicates")
            .ReadFrom(EnumerableSource<Item>.FromList(Items.Create(1)))
            .Select(i => i, name: "map")
            .Select(i => i, name: "map")
            .WriteTo(new CollectingSink<Item>())
            .UseCheckpointStore(new InMemoryCheckpointStore())
            .Build();

        build.Should().Throw<JobValidationException>().WithMessage("*'map'*");
    }

    [Fact]
    public void Build_RepeatedDefaultStepNames_GetSuffixes()
    {
        var job = Job.Create("suffixes")
            .ReadFrom(EnumerableSource<Item>.FromList(Items.Create(1)))
            .Validate(_ => null)
            .Validate(_ => null)
            .Select(i => i)
            .Select(i => i)
            .WriteTo(new CollectingSink<Item>())
            .UseCheckpointStore(new InMemoryCheckpointStore())
            .Build();

        job.StageNames.Should().Equal("source", "validate", "validate-2", "select", "select-2", "sink");
    }
}
