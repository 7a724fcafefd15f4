using BatchKit.Tests.Support;
using FluentAssertions;
using Xunit;

namespace BatchKit.Tests.Execution;

/// <summary>The frozen plan of a run: its definition, its inputs, its partition ids, empty input and staging.</summary>
public sealed class FrozenPlanTests
{
    private static readonly RunParameters Date = RunParameters.Of("date", new DateOnly(2026, 11, 22));

    // Point 6: the job definition is compared with the one the plan was frozen with.
    [Fact]
    public async Task RunAsync_PartitionCountChangedOnResume_FailsNamingTheChange()
    {
        using var dir = new TempDirectory();
        var items = Items.Create(200);
        await using var store = new SqliteCheckpointStore(dir.File("state.db"));
        Job Build(int partitions, ISink<Item> sink) => Job.Create("definition")
            .ReadFrom(EnumerableSource<Item>.FromList(items))
            .PartitionBy(Partitioners.RowRanges(items.Count, 50))
            .ShuffleBy(HashPartitioner<Item>.ByInt64(partitions, i => i.Id))
            .WriteTo(sink)
            .Configure(o => { o.StagingDirectory = dir.File("staging"); o.MaxPartitionAttempts = 1; o.Retry.MaxRetries = 0; })
            .UseCheckpointStore(store)
            .Build();

        var failing = new CollectingSink<Item> { BeforeWrite = _ => throw new InvalidOperationException("sink down") };
        var first = await new JobRunner(Build(200, failing)).RunAsync(Date);
        var sink = new CollectingSink<Item>();
        var second = await new JobRunner(Build(150, sink)).RunAsync(Date);
        var reprocessed = await new JobRunner(Build(150, sink)).RunAsync(Date, new RunOptions { Reprocess = true });

        first.Status.Should().Be(RunStatus.Failed);
        second.Status.Should().Be(RunStatus.Failed);
        second.Exception.Should().BeOfType<PlanMismatchException>().Which.IsTransient.Should().BeFalse();
        second.Exception!.Message.Should().Contain("the partition count changed from 200 to 150");
        reprocessed.Status.Should().Be(RunStatus.Completed);
        reprocessed.Partitions.Should().Be(4 + 150);
        sink.Records.Select(r => r.Id).Should().BeEquivalentTo(items.Select(i => i.Id));
    }

    [Fact]
    public async Task RunAsync_SameDefinitionOnResume_ResumesTheFrozenPlan()
    {
        using var dir = new TempDirectory();
        Items.WriteJsonLines(dir.File("in"), files: 3, perFile: 100);
        await using var store = new SqliteCheckpointStore(dir.File("state.db"));
        var failing = new CollectingSink<Item> { BeforeWrite = _ => throw new InvalidOperationException("sink down") };
        var sink = new CollectingSink<Item>();

        var first = await new JobRunner(FileJob(dir, store, failing)).RunAsync(Date);
        var second = await new JobRunner(FileJob(dir, store, sink)).RunAsync(Date);

        first.Status.Should().Be(RunStatus.Failed);
        second.Status.Should().Be(RunStatus.Completed);
        sink.Records.Should().HaveCount(300);
    }

    // Point 7: what each partition reads is recorded and re-checked before a resumed attempt runs anything.
    [Theory]
    [InlineData("changed", "in-01.jsonl", "bytes")]
    [InlineData("appeared", "in-03.jsonl", "appeared")]
    [InlineData("vanished", "in-02.jsonl", "vanished")]
    public async Task RunAsync_InputChangedBeforeResume_FailsNamingTheFile(string change, string file, string expected)
    {
        using var dir = new TempDirectory();
        Items.WriteJsonLines(dir.File("in"), files: 3, perFile: 100);
        await using var store = new SqliteCheckpointStore(dir.File("state.db"));
        var failing = new CollectingSink<Item> { BeforeWrite = _ => throw new InvalidOperationException("sink down") };
        var first = await new JobRunner(FileJob(dir, store, failing)).RunAsync(Date);
        var path = Path.Combine(dir.File("in"), file);
        switch (change)
        {
            case "changed":
                File.AppendAllText(path, File.ReadLines(path).First() + "\n");
                break;
            case "appeared":
                File.Copy(Path.Combine(dir.File("in"), "in-00.jsonl"), path);
                break;
            default:
                File.Delete(path);
                break;
        }

        var sink = new CollectingSink<Item>();
        var second = await new JobRunner(FileJob(dir, store, sink)).RunAsync(Date);
        var reprocessed = await new JobRunner(FileJob(dir, store, sink)).RunAsync(Date, new RunOptions { Reprocess = true });

        first.Status.Should().Be(RunStatus.Failed);
        second.Status.Should().Be(RunStatus.Failed);
        second.Exception.Should().BeOfType<PlanMismatchException>().Which.IsTransient.Should().BeFalse();
        second.Exception!.Message.Should().Contain(file).And.Contain(expected);
        second.PartitionsProcessed.Should().Be(0, "no partition runs against a changed input");
        reprocessed.Status.Should().Be(RunStatus.Completed);
    }

    [Fact]
    public async Task Files_Plan_RecordsInputIdentity()
    {
        using var dir = new TempDirectory();
        Items.WriteJsonLines(dir.File("in"), files: 1, perFile: 10);

        var partitions = await Partitioners.Files(dir.File("in"), "*.jsonl").PlanAsync(new PartitionPlanContext(new RunKey("j", Date)), default);

        var identity = partitions.Single().InputIdentity;
        identity.Should().Contain("size=" + new FileInfo(Path.Combine(dir.File("in"), "in-00.jsonl")).Length);
        InputIdentity.DescribeChange(identity!, InputIdentity.OfFile(Path.Combine(dir.File("in"), "in-00.jsonl"))).Should().BeNull();
    }

    // Point 8: partition ids derive from the input's name, and reprocessing removes the output of partitions that left the plan.
    [Fact]
    public async Task Files_PartitionIds_DeriveFromFileNames()
    {
        using var dir = new TempDirectory();
        foreach (var name in new[] { "events-01.jsonl", "a b.jsonl", "a_b.jsonl" })
        {
            File.WriteAllText(dir.File(name), "{}\n");
        }

        var partitions = await Partitioners.Files(dir.Path, "*.jsonl").PlanAsync(new PartitionPlanContext(new RunKey("j", Date)), default);

        var ids = partitions.Select(p => p.Id).ToList();
        ids.Should().Contain("events-01");
        ids.Should().OnlyHaveUniqueItems();
        ids.Where(i => i.StartsWith("a_b-", StringComparison.Ordinal)).Should().HaveCount(2, "sanitized names that collide get a hash suffix");
        PartitionIds.FromRelativePath("2026-11-22/events-01.parquet").Should().Be("2026-11-22_events-01");
    }

    [Fact]
    public async Task RunAsync_ReprocessAfterFileRemoved_RemovesStaleOutput()
    {
        using var dir = new TempDirectory();
        Items.WriteJsonLines(dir.File("in"), files: 3, perFile: 100);
        await using var store = new SqliteCheckpointStore(dir.File("state.db"));
        Job Build() => Job.Create("stale")
            .ReadFrom(new JsonLinesSource<Item>())
            .PartitionBy(Partitioners.Files(dir.File("in"), "*.jsonl"))
            .Select(i => new Doubled(i.Id, i.Name, i.Value * 2))
            .WriteTo(new JsonLinesSink<Doubled>(dir.File("out")))
            .UseCheckpointStore(store)
            .Build();

        var first = await new JobRunner(Build()).RunAsync(Date);
        File.Delete(Path.Combine(dir.File("in"), "in-01.jsonl"));
        var reprocessed = await new JobRunner(Build()).RunAsync(Date, new RunOptions { Reprocess = true });

        first.Status.Should().Be(RunStatus.Completed);
        reprocessed.Status.Should().Be(RunStatus.Completed);
        Directory.GetFiles(dir.File("out"), "*", SearchOption.AllDirectories).Select(Path.GetFileName).Should().BeEquivalentTo("in-00.jsonl", "in-02.jsonl");
        Items.ReadOutput(dir.File("out")).Should().HaveCount(200).And.OnlyHaveUniqueItems();
    }

    // Point 9: empty input fails unless allowed; a minimum record count can be required.
    [Fact]
    public async Task RunAsync_EmptyInputFolder_FailsAndCompletesOnceFilesArrive()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("in"));
        await using var store = new SqliteCheckpointStore(dir.File("state.db"));
        var sink = new CollectingSink<Item>();

        var empty = await new JobRunner(FileJob(dir, store, sink)).RunAsync(Date);
        Items.WriteJsonLines(dir.File("in"), files: 2, perFile: 10);
        var filled = await new JobRunner(FileJob(dir, store, sink)).RunAsync(Date);

        empty.Status.Should().Be(RunStatus.Failed);
        empty.Exception.Should().BeOfType<EmptyInputException>().Which.IsTransient.Should().BeFalse();
        empty.Exception!.Message.Should().Contain("no input found").And.Contain(dir.File("in")).And.Contain("*.jsonl");
        filled.Status.Should().Be(RunStatus.Completed);
        filled.RecordsRead.Should().Be(20);
    }

    [Fact]
    public async Task RunAsync_AllowEmptyInput_Completes()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("in"));
        await using var store = new SqliteCheckpointStore(dir.File("state.db"));

        var result = await new JobRunner(FileJob(dir, store, new CollectingSink<Item>(), b => b.AllowEmptyInput())).RunAsync(Date);

        result.Status.Should().Be(RunStatus.Completed);
        result.RecordsRead.Should().Be(0);
    }

    [Fact]
    public async Task RunAsync_EmptyFiles_FailsAsNoRecordsRead()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("in"));
        File.WriteAllText(Path.Combine(dir.File("in"), "in-00.jsonl"), string.Empty);
        await using var store = new SqliteCheckpointStore(dir.File("state.db"));

        var result = await new JobRunner(FileJob(dir, store, new CollectingSink<Item>())).RunAsync(Date);

        result.Status.Should().Be(RunStatus.Failed);
        result.Exception.Should().BeOfType<EmptyInputException>();
        result.Exception!.Message.Should().Contain("below the expected minimum");
    }

    [Fact]
    public async Task RunAsync_FewerRecordsThanExpected_FailsNamingBothNumbers()
    {
        using var dir = new TempDirectory();
        Items.WriteJsonLines(dir.File("in"), files: 1, perFile: 150);
        await using var store = new SqliteCheckpointStore(dir.File("state.db"));

        var result = await new JobRunner(FileJob(dir, store, new CollectingSink<Item>(), b => b.ExpectAtLeast(200))).RunAsync(Date);

        result.Status.Should().Be(RunStatus.Failed);
        result.Exception.Should().BeOfType<EmptyInputException>().Which.IsTransient.Should().BeFalse();
        result.Exception!.Message.Should().Contain("150").And.Contain("200").And.Contain("data missing?");
    }

    // Point 10: staging lives beside the state file, and missing staging re-opens the extract partitions that wrote it.
    [Fact]
    public async Task RunAsync_StagingDeletedBeforeResume_ReopensExtractAndWritesEveryRecord()
    {
        using var dir = new TempDirectory();
        var items = Items.Create(200);
        await using var store = new SqliteCheckpointStore(dir.File("state.db"));
        Job Build(ISink<Item> sink) => Job.Create("staging")
            .ReadFrom(EnumerableSource<Item>.FromList(items))
            .PartitionBy(Partitioners.RowRanges(items.Count, 50))
            .ShuffleBy(HashPartitioner<Item>.ByInt64(8, i => i.Id))
            .WriteTo(sink)
            .Configure(o => { o.StagingDirectory = dir.File("staging"); o.MaxPartitionAttempts = 1; o.Retry.MaxRetries = 0; })
            .UseCheckpointStore(store)
            .Build();

        var failing = new CollectingSink<Item> { BeforeWrite = _ => throw new InvalidOperationException("sink down") };
        var first = await new JobRunner(Build(failing)).RunAsync(Date);
        Directory.Delete(dir.File("staging"), recursive: true);
        var sink = new CollectingSink<Item>();
        var second = await new JobRunner(Build(sink)).RunAsync(Date);

        first.Status.Should().Be(RunStatus.Failed);
        second.Status.Should().Be(RunStatus.Completed);
        second.RecordsWritten.Should().Be(200);
        sink.Records.Select(r => r.Id).Should().BeEquivalentTo(items.Select(i => i.Id));
    }

    [Fact]
    public async Task RunAsync_DefaultStaging_LivesBesideTheStateFile()
    {
        using var dir = new TempDirectory();
        var items = Items.Create(100);
        await using var store = new SqliteCheckpointStore(dir.File("state.db"));
        var job = Job.Create("beside")
            .ReadFrom(EnumerableSource<Item>.FromList(items))
            .ShuffleBy(HashPartitioner<Item>.ByInt64(4, i => i.Id))
            .WriteTo(new CollectingSink<Item> { BeforeWrite = _ => throw new InvalidOperationException("sink down") })
            .Configure(o => { o.MaxPartitionAttempts = 1; o.Retry.MaxRetries = 0; })
            .UseCheckpointStore(store)
            .Build();

        var result = await new JobRunner(job).RunAsync(Date);

        result.Status.Should().Be(RunStatus.Failed);
        // One staging file per extract partition (here the one input partition), holding the records of all 4 targets.
        Directory.GetFiles(dir.File("state.db.staging"), "*.bin", SearchOption.AllDirectories).Should().ContainSingle();
    }

    private static Job FileJob(TempDirectory dir, ICheckpointStore store, ISink<Item> sink, Action<JobBuilder<Item>>? configure = null)
    {
        var builder = Job.Create("files")
            .ReadFrom(new JsonLinesSource<Item>())
            .PartitionBy(Partitioners.Files(dir.File("in"), "*.jsonl"))
            .WriteTo(sink)
            .Configure(o => { o.MaxPartitionAttempts = 1; o.Retry.MaxRetries = 0; })
            .UseCheckpointStore(store);
        configure?.Invoke(builder);
        return builder.Build();
    }
}
