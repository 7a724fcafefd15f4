using BatchKit.Tests.Support;

namespace BatchKit.Tests.Workers;

public sealed class WorkerOptionsValidationTests
{
    public static TheoryData<int, int, double?, string> BrokenRules => new()
    {
        { -1, 0, null, "WorkerOptions.WorkerCount must be at least 0, found -1." },
        { 2, -1, null, "WorkerOptions.WorkerIndex must be at least 0, found -1." },
        { 3, 3, null, "WorkerOptions.WorkerIndex must be below WorkerOptions.WorkerCount (3), found 3." },
        { 0, 0, 0.25, "WorkerOptions.LeaseDuration must be at least 00:00:01, found 00:00:00.2500000." },
    };

    [Theory]
    [MemberData(nameof(BrokenRules))]
    public async Task RunWorkerAsync_OptionOutOfRange_ThrowsNamingPropertyExpectedAndFound(int count, int index, double? leaseSeconds, string expected)
    {
        await using var store = new InMemoryCheckpointStore();
        var job = Job.Create("worker-options")
            .ReadFrom(EnumerableSource<Item>.FromList(Items.Create(3)))
            .WriteTo(new CollectingSink<Item>())
            .UseCheckpointStore(store)
            .Build();
        var options = new WorkerOptions { WorkerCount = count, WorkerIndex = index, LeaseDuration = leaseSeconds is { } s ? TimeSpan.FromSeconds(s) : null };

        var act = () => new JobRunner(job).RunWorkerAsync(RunParameters.Of("date", new DateOnly(2026, 11, 22)), options);

        (await act.Should().ThrowAsync<ArgumentOutOfRangeException>()).Which.Message.Should().StartWith("The worker options are not valid: " + expected);
    }
}
