namespace BatchKit.ConsoleProgressTests;

/// <summary>Redirected output: plain progress lines at a fixed interval, with counts that never go back, and a final line with the RunResult's counts.</summary>
public sealed class ProgressLinesTests
{
    [Fact]
    public async Task RunWithConsoleProgressAsync_Writer_WritesPeriodicLinesAndAFinalLineEqualToTheResult()
    {
        var dir = Directory.CreateTempSubdirectory("batchkit-console-");
        try
        {
            await using var store = new SqliteCheckpointStore(Path.Combine(dir.FullName, "state.db"));
            using var writer = new StringWriter();
            var display = new ConsoleProgressOptions { Writer = writer, LogInterval = TimeSpan.FromMilliseconds(100) };

            var result = await new JobRunner(SlowJob(dir.FullName, store)).RunWithConsoleProgressAsync(RunParameters.Of("batch", "w"), null, display);

            result.Status.Should().Be(RunStatus.Completed, result.Exception?.ToString());
            var lines = writer.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
            AssertLines(lines, (result.Status.ToString(), result.RecordsRead, result.RecordsWritten, result.Errors, result.InDoubt), partitions: 6);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task RunWithConsoleProgressAsync_RedirectedProcessOutput_WritesPeriodicLinesAndAFinalLineEqualToTheResult()
    {
        var dir = Directory.CreateTempSubdirectory("batchkit-console-");
        try
        {
            var (code, lines, error) = await ConsoleHost.RunRedirectedAsync(dir.FullName, "partitions=6", "rows=400", "delay-ms=2", "log-ms=300");

            code.Should().Be(0, error);
            var result = ProgressLine.ParseResult(lines[^1]);
            result.Status.Should().Be("Completed");
            AssertLines(lines[..^1], result, partitions: 6);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static void AssertLines(string[] lines, (string Status, long Read, long Written, long Errors, long InDoubt) result, int partitions)
    {
        var parsed = lines.Select(l => (Line: l, Parsed: ProgressLine.Parse(l))).ToList();
        parsed.Where(p => p.Parsed is null).Select(p => p.Line).Should().BeEmpty("every line is a progress line (counts only, never a payload)");
        var progress = parsed.Select(p => p.Parsed!).ToList();
        progress.Count(p => !p.IsFinal).Should().BeGreaterThanOrEqualTo(2, "the run spans several intervals");
        progress.Count(p => p.IsFinal).Should().Be(1);
        progress[^1].IsFinal.Should().BeTrue("the final line comes last");
        progress.Should().OnlyContain(p => p.Total == partitions);
        progress.Select(p => p.Done).Should().BeInAscendingOrder();
        progress.Select(p => p.Read).Should().BeInAscendingOrder();
        progress.Select(p => p.Written).Should().BeInAscendingOrder();
        progress.Select(p => p.Errors).Should().BeInAscendingOrder();
        progress.Select(p => p.InDoubt).Should().BeInAscendingOrder();
        progress.Should().Contain(p => !p.IsFinal && p.Read > 0 && p.Read < result.Read, "a periodic line shows the run part way");
        var final = progress[^1];
        (final.Status, final.Read, final.Written, final.Errors, final.InDoubt).Should().Be(result);
        final.Done.Should().Be(partitions);
        final.Errors.Should().BeGreaterThan(0, "every 97th record is an error record");
    }

    /// <summary>The test host's job: six row ranges of 400, every 97th record an error record, two milliseconds a record.</summary>
    internal static Job SlowJob(string directory, ICheckpointStore store) => Job.Create("console-progress")
        .ReadFrom(new EnumerableSource<long>(p =>
        {
            var (start, end) = PartitionDescriptor.ParseRows(p.Descriptor);
            return Enumerable.Range(0, (int)(end - start)).Select(i => start + i);
        }))
        .PartitionBy(Partitioners.RowRanges(6 * 400, 400))
        .Validate(v => v % 97 == 0 ? "a multiple of 97" : null)
        .AddStep(new SlowStep())
        .WriteTo(new JsonLinesSink<long>(Path.Combine(directory, "output")))
        .WithParallelism(2)
        .WithCommitInterval(20)
        .Configure(o => o.MaxErrorRate = 0.05)
        .UseCheckpointStore(store)
        .Build();

    private sealed class SlowStep : IStep<long, long>
    {
        public async ValueTask ExecuteAsync(long record, StepOutput<long> output, StepContext context, CancellationToken cancellationToken)
        {
            await Task.Delay(2, cancellationToken);
            output.Emit(record * 2);
        }
    }
}
