using System.Text.Json;

namespace BatchKit.Cli.Tests;

/// <summary><c>batchkit run show</c> of a run whose input changed after it completed: the reconciled partitions and the late-arrival rate.</summary>
public sealed class LateDataCommandTests : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "batchkit-cli-late-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task RunShow_RunReconciledAfterLateFile_ShowsReconciledPartitionsAndRate()
    {
        var input = Path.Combine(_directory, "in");
        Directory.CreateDirectory(input);
        for (var f = 0; f < 4; f++)
        {
            Write(Path.Combine(input, $"part-{f}.jsonl"), f * 100, 20);
        }

        var state = Path.Combine(_directory, "state.db");
        var parameters = RunParameters.Of("date", "2026-11-22");
        RunResult reconciled;
        await using (var store = new SqliteCheckpointStore(state))
        {
            var job = Job.Create("late-orders")
                .ReadFrom(new JsonLinesSource<Line>())
                .PartitionBy(Partitioners.Files(input, "*.jsonl"))
                .WriteTo(new JsonLinesSink<Line>(Path.Combine(_directory, "out")))
                .UseCheckpointStore(store)
                .Build();
            (await new JobRunner(job).RunAsync(parameters)).EnsureSucceeded();
            Write(Path.Combine(input, "part-1.jsonl"), 1_000, 5, append: true);
            reconciled = await new JobRunner(job).RunAsync(parameters, new RunOptions { ReprocessChangedInput = true });
        }

        reconciled.PartitionsReconciled.Should().Be(1);
        var table = await Cli.RunAsync("run", "show", reconciled.RunKey.Value[..10], "--store", state);
        var json = await Cli.RunAsync("run", "show", reconciled.RunKey.Value[..10], "--store", state, "--json");

        table.ExitCode.Should().Be(0, table.ToString());
        table.Output.Should().Contain("Late data").And.Contain("1 partition(s) reconciled after completion, late-arrival rate 25%").And.Contain("Reconciled");
        json.ExitCode.Should().Be(0, json.ToString());
        var run = json.Json.GetProperty("run");
        run.GetProperty("partitionsReconciled").GetInt32().Should().Be(1);
        run.GetProperty("lateArrivalRate").GetDouble().Should().Be(0.25);
        json.Json.GetProperty("attempts").EnumerateArray().Select(a => a.GetProperty("partitionsReconciled").GetInt32()).Should().Equal(0, 1);
    }

    private static void Write(string path, int first, int count, bool append = false)
    {
        using var writer = new StreamWriter(path, append);
        for (var id = first; id < first + count; id++)
        {
            writer.WriteLine(JsonSerializer.Serialize(new Line(id, "line-" + id), Json));
        }
    }

    public sealed record Line(long Id, string Name);
}
