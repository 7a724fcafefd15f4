using System.Text.Json;
using BatchKit.Tests.Support;

namespace BatchKit.Tests.Failures;

/// <summary>A process killed (SIGKILL) while it reconciles late-arriving data: the rerun ends with exactly a clean run's output.</summary>
public sealed class LateDataCrashTests
{
    private static readonly RunKey RunKey = new("testhost-run", RunParameters.Of("date", "2026-11-22"));

    [Fact]
    public async Task RunAsync_KilledWhileReprocessingChangedInput_RerunEndsWithCleanOutputOfTheNewInput()
    {
        using var dir = new TempDirectory();
        var input = dir.File("in");
        Items.WriteJsonLines(input, files: 3, perFile: 2_000);
        string[] Args(string name, params string[] extra) =>
            ["run", "--state", dir.File(name + ".db"), "--input", input, "--output", dir.File(name), "--commit", "50", .. extra];
        var first = await TestHostProcess.RunAsync(Args("out"));
        first.ExitCode.Should().Be(0, first.Output + first.Error);
        var untouched = Path.Combine(dir.File("out"), "date=2026-11-22", "in-00.jsonl");
        var untouchedAt = File.GetLastWriteTimeUtc(untouched);

        // Late data: 2,000 records appended to one file, and a new file of 2,000.
        Append(Path.Combine(input, "in-01.jsonl"), 6_001, 2_000);
        Append(Path.Combine(input, "in-03.jsonl"), 8_001, 2_000);
        using (var process = TestHostProcess.Start(Args("out", "--reconcile", "1", "--slow-ms", "100")))
        {
            for (var i = 0; i < 600 && !Directory.GetFiles(dir.File("out"), "*.partial", SearchOption.AllDirectories).Any(f => new FileInfo(f).Length > 0); i++)
            {
                await Task.Delay(50);
            }

            process.HasExited.Should().BeFalse("the reconciliation is still going when it is killed");
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        await using (var store = new SqliteCheckpointStore(dir.File("out.db")))
        {
            (await store.GetRunAsync(RunKey.Value, default))!.Status.Should().Be(RunStatus.Running, "the amended plan set the run running again before any partition ran");
            var states = await store.GetPartitionStatesAsync(RunKey.Value, default);
            states.Where(s => s.Status == PartitionStatus.Completed).Select(s => s.PartitionId).Should().BeEquivalentTo(["in-00", "in-02"]);
        }

        var rerun = await TestHostProcess.RunAsync(Args("out", "--reconcile", "1"));
        rerun.ExitCode.Should().Be(0, rerun.Output + rerun.Error);
        var clean = await TestHostProcess.RunAsync(Args("clean"));
        clean.ExitCode.Should().Be(0, clean.Output + clean.Error);

        var output = Items.ReadOutput(dir.File("out")).OrderBy(d => d.Id).ToList();
        output.Should().Equal(Items.ReadOutput(dir.File("clean")).OrderBy(d => d.Id), "0 lost, 0 duplicated: the output of one clean run over the new input");
        output.Should().HaveCount(10_000);
        output.Select(d => d.Id).Should().OnlyHaveUniqueItems();
        File.GetLastWriteTimeUtc(untouched).Should().Be(untouchedAt, "an unchanged partition's output is not rewritten");
        Directory.GetFiles(dir.File("out"), "*.partial", SearchOption.AllDirectories).Should().BeEmpty();
        await using (var store = new SqliteCheckpointStore(dir.File("out.db")))
        {
            var summary = (await new RunHistory(store).GetRunAsync(RunKey.Value))!;
            summary.Status.Should().Be(RunStatus.Completed);
            summary.PartitionsReconciled.Should().Be(2, "the killed attempt recorded what it reconciled when it started");
        }
    }

    private static void Append(string path, long first, int count)
    {
        using var writer = new StreamWriter(path, append: true);
        for (var id = first; id < first + count; id++)
        {
            writer.WriteLine(JsonSerializer.Serialize(new Item(id, "item-" + id, (int)(id % 97)), Items.Json));
        }
    }
}
