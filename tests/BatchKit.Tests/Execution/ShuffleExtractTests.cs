using BatchKit.Tests.Support;

namespace BatchKit.Tests.Execution;

public sealed class ShuffleExtractTests
{
    [Fact]
    public async Task RunAsync_ShuffledInputWithMalformedLastLine_CountsEveryLine()
    {
        using var dir = new TempDirectory();
        var input = dir.File("in");
        Directory.CreateDirectory(input);
        var lines = Items.Create(10).Select(i => System.Text.Json.JsonSerializer.Serialize(i, Items.Json)).Append("{\"id\": \"not a number\"");
        await File.WriteAllLinesAsync(Path.Combine(input, "in-00.jsonl"), lines);
        var sink = new CollectingSink<Item>();
        var job = Job.Create("shuffle-bad-last-line")
            .ReadFrom(new JsonLinesSource<Item>())
            .PartitionBy(Partitioners.Files(input, "*.jsonl"))
            .ShuffleBy(HashPartitioner<Item>.ByInt64(2, i => i.Id))
            .WriteTo(sink)
            .WithCommitInterval(10) // the ten good lines fill the first read; the bad line comes with the read that ends the input
            .Configure(o =>
            {
                o.StagingDirectory = dir.File("staging");
                o.MaxErrorRate = 0.5;
            })
            .UseCheckpointStore(new InMemoryCheckpointStore())
            .Build();

        var result = await new JobRunner(job).RunAsync(RunParameters.Empty);

        result.Status.Should().Be(RunStatus.Completed);
        result.RecordsRead.Should().Be(11);
        result.Errors.Should().Be(1);
        result.RecordsWritten.Should().Be(10);
        sink.Records.Select(r => r.Id).Should().BeEquivalentTo(Enumerable.Range(1, 10).Select(i => (long)i));
    }
}
