using BatchKit.Tests.Support;
using BatchKit.Tests.Telemetry;

namespace BatchKit.Tests.LateData;

/// <summary>
/// Late-arriving data (<see cref="RunOptions.ReprocessChangedInput"/>): a completed day whose folder got a new file, an
/// appended file or lost a file reprocesses only those partitions, and ends with exactly the output of a clean run over
/// the new input.
/// </summary>
public sealed class LateInputTests
{
    private const string Day = "2026-11-22";
    private static readonly RunParameters Date = RunParameters.Of("date", Day);
    private static readonly RunOptions Reconcile = new() { ReprocessChangedInput = true };

    private static Job DailyJob(string name, string input, ICheckpointStore store, ISink<Doubled> sink, bool extraStep = false)
    {
        var builder = Job.Create(name)
            .ReadFrom(new JsonLinesSource<Item>())
            .PartitionBy(new DayFolderPartitioner(input));
        if (extraStep)
        {
            builder = builder.Where(i => i.Id > 0);
        }

        return builder
            .Select(i => new Doubled(i.Id, i.Name, i.Value * 2))
            .WriteTo(sink)
            .WithCommitInterval(50)
            .UseCheckpointStore(store)
            .Build();
    }

    private static async Task<Dictionary<string, string[]>> CleanRunAsync(TempDirectory dir, string name)
    {
        await using var store = new SqliteCheckpointStore(dir.File(name + ".db"));
        var output = dir.File(name);
        (await new JobRunner(DailyJob("late-daily", dir.File("in"), store, new JsonLinesSink<Doubled>(output))).RunAsync(Date)).EnsureSucceeded();
        return DayFolders.Files(output, Day);
    }

    [Fact]
    public async Task RunAsync_FileAppendedAndFileAddedAfterCompletion_RerunsOnlyThoseAndMatchesCleanRun()
    {
        using var dir = new TempDirectory();
        using var telemetry = new TelemetryCapture("late-daily");
        var input = dir.File("in");
        DayFolders.Write(input, Day, "a.jsonl", 1, 120);
        DayFolders.Write(input, Day, "b.jsonl", 1_001, 80);
        DayFolders.Write(input, Day, "c.jsonl", 2_001, 60);
        await using var store = new SqliteCheckpointStore(dir.File("state.db"));
        var output = dir.File("out");
        var job = DailyJob("late-daily", input, store, new JsonLinesSink<Doubled>(output));
        (await new JobRunner(job).RunAsync(Date)).EnsureSucceeded();
        var before = DayFolders.Files(output, Day);
        var untouched = File.GetLastWriteTimeUtc(Path.Combine(output, "date=" + Day, "a.jsonl"));

        DayFolders.Write(input, Day, "b.jsonl", 1_081, 25, append: true);
        DayFolders.Write(input, Day, "d.jsonl", 3_001, 40);
        var reconciled = await new JobRunner(job).RunAsync(Date, Reconcile);

        reconciled.Status.Should().Be(RunStatus.Completed);
        reconciled.WasAlreadyCompleted.Should().BeFalse();
        reconciled.PartitionsReconciled.Should().Be(2);
        reconciled.PartitionsProcessed.Should().Be(2, "only the appended and the new file are processed again");
        reconciled.Partitions.Should().Be(4);
        reconciled.RecordsRead.Should().Be(120 + 105 + 60 + 40);
        var after = DayFolders.Files(output, Day);
        after.Should().BeEquivalentTo(await CleanRunAsync(dir, "clean"), "the output is record for record that of one clean run over the new input");
        after["a.jsonl"].Should().Equal(before["a.jsonl"]);
        File.GetLastWriteTimeUtc(Path.Combine(output, "date=" + Day, "a.jsonl")).Should().Be(untouched, "an unchanged partition is not touched");
        DayFolders.Output(output, Day).Select(d => d.Id).Should().OnlyHaveUniqueItems();
        Directory.GetFiles(Path.Combine(output, "date=" + Day)).Should().OnlyContain(f => f.EndsWith(".jsonl", StringComparison.Ordinal), "no epoch file is left behind");

        var attempts = await store.ListPartitionAttemptsAsync(reconciled.RunKey.Value, default);
        attempts.GroupBy(a => a.PartitionId).ToDictionary(g => g.Key, g => g.Count())
            .Should().BeEquivalentTo(new Dictionary<string, int> { ["a"] = 1, ["b"] = 2, ["c"] = 1, ["d"] = 1 });
        var summary = (await new RunHistory(store).GetRunAsync(reconciled.RunKey.Value))!;
        summary.Status.Should().Be(RunStatus.Completed);
        summary.PartitionsReconciled.Should().Be(2);
        summary.LateArrivalRate.Should().Be(0.5);
        summary.Attempts.Should().Be(2);
        (await store.ListRunAttemptsAsync(reconciled.RunKey.Value, default)).Select(a => a.PartitionsReconciled).Should().Equal(0, 2);
        var late = telemetry.Points("batchkit.partitions.late").ToDictionary(p => (string)TelemetryCapture.TagsOf(p)["batchkit.late.kind"]!, p => p.GetSumLong());
        late.Should().BeEquivalentTo(new Dictionary<string, long> { ["changed"] = 1, ["appeared"] = 1 });
    }

    [Fact]
    public async Task RunAsync_InputUnchanged_DoesNothingAndCountsNoAttempt()
    {
        using var dir = new TempDirectory();
        DayFolders.Write(dir.File("in"), Day, "a.jsonl", 1, 50);
        await using var store = new SqliteCheckpointStore(dir.File("state.db"));
        var job = DailyJob("late-unchanged", dir.File("in"), store, new JsonLinesSink<Doubled>(dir.File("out")));
        var first = await new JobRunner(job).RunAsync(Date);

        var again = await new JobRunner(job).RunAsync(Date, Reconcile);

        again.Status.Should().Be(RunStatus.Completed);
        again.WasAlreadyCompleted.Should().BeTrue();
        again.PartitionsReconciled.Should().Be(0);
        again.PartitionsProcessed.Should().Be(0);
        (await store.GetRunAsync(first.RunKey.Value, default))!.Attempts.Should().Be(1);
    }

    [Fact]
    public async Task RunAsync_FileRemovedAfterCompletion_RemovesItsOutputAndMatchesCleanRun()
    {
        using var dir = new TempDirectory();
        var input = dir.File("in");
        DayFolders.Write(input, Day, "a.jsonl", 1, 30);
        DayFolders.Write(input, Day, "b.jsonl", 101, 30);
        await using var store = new SqliteCheckpointStore(dir.File("state.db"));
        var output = dir.File("out");
        var job = DailyJob("late-daily", input, store, new JsonLinesSink<Doubled>(output));
        (await new JobRunner(job).RunAsync(Date)).EnsureSucceeded();

        File.Delete(Path.Combine(DayFolders.Folder(input, Day), "b.jsonl"));
        var reconciled = await new JobRunner(job).RunAsync(Date, Reconcile);

        reconciled.Status.Should().Be(RunStatus.Completed);
        reconciled.PartitionsReconciled.Should().Be(1);
        reconciled.PartitionsProcessed.Should().Be(0);
        reconciled.Partitions.Should().Be(1);
        reconciled.RecordsRead.Should().Be(30);
        DayFolders.Files(output, Day).Should().BeEquivalentTo(await CleanRunAsync(dir, "clean"));
    }

    [Fact]
    public async Task RunAsync_FileRewrittenWithFewerRecords_ReplacesItsOutput()
    {
        using var dir = new TempDirectory();
        var input = dir.File("in");
        DayFolders.Write(input, Day, "a.jsonl", 1, 200);
        await using var store = new SqliteCheckpointStore(dir.File("state.db"));
        var output = dir.File("out");
        var job = DailyJob("late-daily", input, store, new JsonLinesSink<Doubled>(output));
        (await new JobRunner(job).RunAsync(Date)).EnsureSucceeded();

        DayFolders.Write(input, Day, "a.jsonl", 500, 20);
        var reconciled = await new JobRunner(job).RunAsync(Date, Reconcile);

        reconciled.Status.Should().Be(RunStatus.Completed);
        DayFolders.Output(output, Day).Select(d => d.Id).Should().Equal(Enumerable.Range(500, 20).Select(i => (long)i));
        DayFolders.Files(output, Day).Should().BeEquivalentTo(await CleanRunAsync(dir, "clean"));
    }

    [Theory]
    [InlineData(WriteDisposition.Append)]
    [InlineData(WriteDisposition.Upsert)]
    public async Task RunAsync_SinkThatCannotReplaceAPartition_FailsAtOnceAndChangesNothing(WriteDisposition disposition)
    {
        using var dir = new TempDirectory();
        var input = dir.File("in");
        DayFolders.Write(input, Day, "a.jsonl", 1, 30);
        await using var store = new SqliteCheckpointStore(dir.File("state.db"));
        var sink = new CollectingSink<Doubled>(disposition);
        var job = DailyJob("late-append", input, store, sink);
        var first = await new JobRunner(job).RunAsync(Date);
        DayFolders.Write(input, Day, "a.jsonl", 31, 10, append: true);

        var act = () => new JobRunner(job).RunAsync(Date, Reconcile);

        var error = (await act.Should().ThrowAsync<JobValidationException>()).Which;
        error.Message.Should().Contain("late-append").And.Contain("ReprocessChangedInput").And.Contain("RunOptions.Reprocess");
        sink.Records.Should().HaveCount(30, "nothing was written twice");
        (await store.GetRunAsync(first.RunKey.Value, default))!.Attempts.Should().Be(1);
    }

    [Fact]
    public async Task RunAsync_DefinitionChangedSinceCompletion_FailsWithPlanMismatchAndKeepsTheRunCompleted()
    {
        using var dir = new TempDirectory();
        var input = dir.File("in");
        DayFolders.Write(input, Day, "a.jsonl", 1, 30);
        await using var store = new SqliteCheckpointStore(dir.File("state.db"));
        var output = dir.File("out");
        (await new JobRunner(DailyJob("late-daily", input, store, new JsonLinesSink<Doubled>(output))).RunAsync(Date)).EnsureSucceeded();
        DayFolders.Write(input, Day, "a.jsonl", 31, 10, append: true);

        var result = await new JobRunner(DailyJob("late-daily", input, store, new JsonLinesSink<Doubled>(output), extraStep: true)).RunAsync(Date, Reconcile);

        result.Status.Should().Be(RunStatus.Failed);
        result.Exception.Should().BeOfType<PlanMismatchException>().Which.Message.Should().Contain("another job definition").And.Contain("RunOptions.Reprocess");
        (await store.GetRunAsync(result.RunKey.Value, default))!.Status.Should().Be(RunStatus.Completed, "its output is still the complete output of its old input");
        DayFolders.Output(output, Day).Should().HaveCount(30);
        (await store.ListRunAttemptsAsync(result.RunKey.Value, default))[^1].Status.Should().Be(RunStatus.Failed, "the failed reconciliation is in the history");
    }

    [Fact]
    public async Task RunAsync_ShuffledJob_FailsAtOnce()
    {
        using var dir = new TempDirectory();
        await using var store = new SqliteCheckpointStore(dir.File("state.db"));
        var job = Job.Create("late-shuffled")
            .ReadFrom(EnumerableSource<Item>.FromList(Items.Create(10)))
            .PartitionBy(Partitioners.RowRanges(10, 5))
            .ShuffleBy(HashPartitioner<Item>.ByInt64(2, i => i.Id))
            .WriteTo(new JsonLinesSink<Item>(dir.File("out")))
            .Configure(o => o.StagingDirectory = dir.File("staging"))
            .UseCheckpointStore(store)
            .Build();

        var act = () => new JobRunner(job).RunAsync(Date, Reconcile);

        (await act.Should().ThrowAsync<JobValidationException>()).Which.Message.Should().Contain("shuffles");
    }

    [Fact]
    public async Task RunAsync_ReconcileOnRunNeverRun_RunsItAsUsual()
    {
        using var dir = new TempDirectory();
        DayFolders.Write(dir.File("in"), Day, "a.jsonl", 1, 30);
        await using var store = new SqliteCheckpointStore(dir.File("state.db"));

        var result = await new JobRunner(DailyJob("late-new", dir.File("in"), store, new JsonLinesSink<Doubled>(dir.File("out")))).RunAsync(Date, Reconcile);

        result.Status.Should().Be(RunStatus.Completed);
        result.PartitionsReconciled.Should().Be(0);
        DayFolders.Output(dir.File("out"), Day).Should().HaveCount(30);
    }
}
