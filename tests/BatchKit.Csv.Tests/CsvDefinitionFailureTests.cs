namespace BatchKit.Csv.Tests;

public sealed class CsvDefinitionFailureTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task RunAsync_HeaderLacksMappedColumnInEveryFile_FailsAfterOneAttemptOfOnePartition()
    {
        for (var f = 0; f < 5; f++)
        {
            await File.WriteAllTextAsync(Path.Combine(_dir.Path, $"day-{f}.csv"), "Id,Label\n1,a\n");
        }

        await using var store = new InMemoryCheckpointStore();
        var job = Job.Create("csv-mismatch")
            .ReadFrom(new CsvSource<Row>())
            .PartitionBy(new CsvFilePartitioner(_dir.Path))
            .WriteTo(new DelegateSink<Row>((_, _, _) => ValueTask.CompletedTask))
            .WithParallelism(1)
            .Configure(o => o.Retry.BaseDelay = TimeSpan.FromMilliseconds(1))
            .UseCheckpointStore(store)
            .Build();

        var result = await new JobRunner(job).RunAsync(RunParameters.Of("date", "2026-11-22"));

        result.Status.Should().Be(RunStatus.Failed);
        result.Exception!.Message.Should().Contain("after 1 attempt(s)").And.Contain("Amount");
        var states = await store.GetPartitionStatesAsync(result.RunKey.Value, CancellationToken.None);
        states.Sum(s => s.Attempts).Should().Be(1);
    }
}
