using System.Text.RegularExpressions;
using BatchKit.Tests.Support;

namespace BatchKit.Tests;

/// <summary>Keeps the README's example compiling and working: the block below is the README's, character for character.</summary>
[Collection("CurrentDirectory")]
public sealed partial class ReadmeExampleTests
{
    [Fact]
    public void Readme_Example_IsTheCodeCompiledHere()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        // The README's block ends with its record declarations; the test's records (below) read the test's input files.
        var block = ReadmeBlock().Match(readme).Groups["code"].Value.Split("\nrecord ")[0];
        var source = File.ReadAllText(Path.Combine(RepositoryRoot(), "tests", "BatchKit.Tests", "ReadmeExampleTests.cs"));
        var compiled = CompiledBlock().Match(source).Groups["code"].Value;

        block.Should().NotBeEmpty();
        Normalize(compiled).Should().Be(Normalize(block));
    }

    [Fact]
    public async Task Readme_Example_RunsAndIsANoOpTheSecondTime()
    {
        using var dir = new TempDirectory();
        Items.WriteJsonLines(Path.Combine(dir.Path, "input"), 2, 50);
        var previous = Environment.CurrentDirectory;
        Environment.CurrentDirectory = dir.Path;
        try
        {
            var first = await ExampleAsync();
            var second = await ExampleAsync();

            first.Status.Should().Be(RunStatus.Completed);
            first.RecordsWritten.Should().Be(100 - 1, "the order with amount 0 is an error record");
            first.Errors.Should().Be(1);
            second.WasAlreadyCompleted.Should().BeTrue();
        }
        finally
        {
            Environment.CurrentDirectory = previous;
        }
    }

    private static async Task<RunResult> ExampleAsync()
    {
        // readme-example:begin
        await using var store = new SqliteCheckpointStore("state.db");
        Job job = Job.Create("nightly-orders")
            .ReadFrom(new JsonLinesSource<Order>())
            .PartitionBy(Partitioners.Files("input", "*.jsonl"))
            .Validate(o => o.Amount > 0 ? null : $"amount must be positive, found {o.Amount}")
            .Select(o => new OrderTotal(o.Id, o.Amount * 1.2m))
            .WriteTo(new JsonLinesSink<OrderTotal>("output"))
            .WithParallelism(4)
            .WithCommitInterval(1_000)
            .Configure(o => o.MaxPartitionAttempts = 3)
            .UseCheckpointStore(store)
            .Build();

        RunResult result = await new JobRunner(job).RunAsync(RunParameters.Of("date", new DateOnly(2026, 11, 22)));
        Console.WriteLine($"{result.Status}: {result.RecordsWritten} written, {result.Errors} errors");
        // readme-example:end
        return result;
    }

    private static string Normalize(string code) => string.Join('\n', code.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0));

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "BatchKit.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("BatchKit.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"<!-- readme-example:begin -->\s*```csharp\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex ReadmeBlock();

    [GeneratedRegex(@"// readme-example:begin\n(?<code>.*?)\s*// readme-example:end", RegexOptions.Singleline)]
    private static partial Regex CompiledBlock();

    /// <summary>The README's input record: <c>Value</c> doubles as the amount.</summary>
    private sealed record Order(long Id, string Name, int Value)
    {
        public decimal Amount => Value;
    }

    private sealed record OrderTotal(long Id, decimal Total);
}
