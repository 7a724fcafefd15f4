namespace BatchKit.ConsoleProgressTests;

/// <summary>Progress of workers sharing one run, and the caller's options kept by the console runners.</summary>
public sealed class WorkerProgressTests
{
    [Fact]
    public async Task RunWorkerWithConsoleProgressAsync_TwoWorkers_EachWritesLinesAndAFinalLineWithTheWholeRunsPartitions()
    {
        var dir = Directory.CreateTempSubdirectory("batchkit-console-");
        try
        {
            var state = Path.Combine(dir.FullName, "state.db");
            var parameters = RunParameters.Of("batch", "workers");
            using var first = new StringWriter();
            using var second = new StringWriter();
            var seen = new List<RunProgress>();
            var worker = new WorkerOptions { WorkerCount = 2, WorkerIndex = 0, Progress = new Collect(seen) };

            var results = await Task.WhenAll(
                Run(worker, first),
                Run(new WorkerOptions { WorkerCount = 2, WorkerIndex = 1 }, second));

            results.Should().OnlyContain(r => r.Status == RunStatus.Completed);
            foreach (var writer in new[] { first, second })
            {
                var lines = writer.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
                var progress = lines.Select(ProgressLine.Parse).ToList();
                progress.Should().NotContainNulls("every line is a progress line");
                progress.Should().Contain(p => !p!.IsFinal, "a worker reports while it runs");
                var final = progress[^1]!;
                final.IsFinal.Should().BeTrue();
                (final.Done, final.Total).Should().Be((6, 6), "the final line counts every partition of the run, the other worker's too");
            }

            seen.Should().NotBeEmpty("the worker's own receiver gets every report as well");
            seen[^1].IsFinal.Should().BeTrue();
            seen[^1].CompletedPartitions.Should().Be(6);
            worker.Progress.Should().BeOfType<Collect>("the caller's options are not changed");

            Task<RunResult> Run(WorkerOptions options, TextWriter writer) => Task.Run(async () =>
            {
                await using var store = new SqliteCheckpointStore(state);
                var display = new ConsoleProgressOptions { Writer = writer, LogInterval = TimeSpan.FromMilliseconds(100) };
                return await new JobRunner(ProgressLinesTests.SlowJob(dir.FullName, store)).RunWorkerWithConsoleProgressAsync(parameters, options, display);
            });
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task RunWithConsoleProgressAsync_ResumeCancelled_ResumesARunCancelledByARequest()
    {
        var dir = Directory.CreateTempSubdirectory("batchkit-console-");
        try
        {
            await using var store = new SqliteCheckpointStore(Path.Combine(dir.FullName, "state.db"));
            var job = ProgressLinesTests.SlowJob(dir.FullName, store);
            var parameters = RunParameters.Of("batch", "cancelled");
            using var writer = new StringWriter();
            var display = new ConsoleProgressOptions { Writer = writer };
            var running = new JobRunner(job).RunAsync(parameters);
            var runKey = new RunKey(job.Name, parameters).Value;
            while ((await store.GetRunAsync(runKey, default)) is null)
            {
                await Task.Delay(10);
            }

            await RunMaintenance.CancelRunAsync(store, runKey, "operator");
            (await running.WaitAsync(TimeSpan.FromSeconds(60))).Status.Should().Be(RunStatus.Cancelled);

            var kept = await new JobRunner(job).RunWithConsoleProgressAsync(parameters, null, display);
            kept.Status.Should().Be(RunStatus.Cancelled, "without ResumeCancelled a cancelled run stays cancelled");
            var resumed = await new JobRunner(job).RunWithConsoleProgressAsync(parameters, new RunOptions { ResumeCancelled = true }, display);
            resumed.Status.Should().Be(RunStatus.Completed, "ResumeCancelled is the caller's option and reaches the run");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>Keeps every report, in order (reports come one at a time).</summary>
    private sealed class Collect(List<RunProgress> into) : IProgress<RunProgress>
    {
        public void Report(RunProgress value) => into.Add(value);
    }
}
