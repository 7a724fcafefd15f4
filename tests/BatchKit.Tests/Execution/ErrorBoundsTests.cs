using BatchKit.Tests.Support;

namespace BatchKit.Tests.Execution;

public sealed class ErrorBoundsTests
{
    private static readonly RunParameters Date = RunParameters.Of("date", new DateOnly(2026, 11, 22));

    [Fact]
    public async Task RunAsync_AllBadFile_FailsEarlyWithErrorRateExceeded()
    {
        using var temp = new TempDirectory();
        const int lines = 200_000;
        var path = WriteBadLines(temp.File("bad.jsonl"), lines);
        var source = new CountingSource(new JsonLinesSource<Item>(path));
        await using var store = new SqliteCheckpointStore(temp.File("state.db"));
        var job = Job.Create("all-bad")
            .ReadFrom(source)
            .WriteTo(new CollectingSink<Item>())
            .UseCheckpointStore(store)
            .Build();

        var result = await new JobRunner(job).RunAsync(Date);

        result.Status.Should().Be(RunStatus.Failed);
        result.Exception.Should().BeOfType<ErrorRateExceededException>();
        source.BadRecords.Should().BeLessThan(10_000, "the rate is checked as bad records arrive, not at the end of the file");
    }

    [Fact]
    public async Task RunAsync_ManyErrorsUnderTheRate_StoresAtMostTheConfiguredPayloads()
    {
        using var temp = new TempDirectory();
        const int lines = 20_000;
        var path = WriteBadLines(temp.File("bad.jsonl"), lines);
        await using var store = new SqliteCheckpointStore(temp.File("state.db"));
        var job = Job.Create("bounded-errors")
            .ReadFrom(new JsonLinesSource<Item>(path))
            .Validate(_ => "never valid")
            .WriteTo(new CollectingSink<Item>())
            .Configure(o => o.MaxErrorRate = 1)
            .ConfigureSkip(s => s.MaxStoredErrorsPerPartition = 100)
            .UseCheckpointStore(store)
            .Build();

        var result = await new JobRunner(job).RunAsync(Date);

        result.Status.Should().Be(RunStatus.Completed);
        result.Errors.Should().Be(lines);
        var stored = await store.QueryErrorsAsync(new ErrorQuery(result.RunKey.Value, Limit: int.MaxValue), CancellationToken.None);
        stored.Should().HaveCount(100);
    }

    private static string WriteBadLines(string path, int lines)
    {
        using var writer = new StreamWriter(path);
        for (var i = 0; i < lines; i++)
        {
            writer.WriteLine(i % 2 == 0 ? "{\"id\": \"not a number\"}" : "not json at all");
        }

        return path;
    }

    /// <summary>Counts the bad records the wrapped source reports.</summary>
    private sealed class CountingSource(ISource<Item> inner) : ISource<Item>
    {
        private long _bad;

        public long BadRecords => Interlocked.Read(ref _bad);

        public ValueTask<ISourceReader<Item>> OpenAsync(SourceContext context, CancellationToken cancellationToken) =>
            inner.OpenAsync(
                new SourceContext(context.RunKey, context.Partition, context.Position, d =>
                {
                    Interlocked.Increment(ref _bad);
                    context.ReportBadRecord(d.Offset, d.RawPayload, d.Reason, d.Exception);
                }),
                cancellationToken);
    }
}
