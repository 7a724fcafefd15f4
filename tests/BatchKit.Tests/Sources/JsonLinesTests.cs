using System.Text;
using BatchKit.Tests.Support;

namespace BatchKit.Tests.Sources;

public sealed class JsonLinesTests
{
    private static readonly RunKey Run = new("jsonl", RunParameters.Empty);

    [Fact]
    public async Task Source_BadLines_BecomeErrorRecordsWithFileAndLine()
    {
        using var dir = new TempDirectory();
        var path = dir.File("in.jsonl");
        await File.WriteAllTextAsync(path, "{\"id\":1,\"name\":\"a\",\"value\":1}\n\n{\"id\":\"x\"}\r\n{\"id\":3,\"name\":\"c\",\"value\":3}\n{broken\n{\"id\":5,\"name\":\"e\",\"value\":5}", Encoding.UTF8);
        var bad = new List<ErrorRecordDraft>();
        var context = new SourceContext(Run, new Partition(0, "f", PartitionDescriptor.File(path)), 0, bad.Add);

        var records = await ReadAllAsync(new JsonLinesSource<Item>(), context);

        records.Select(r => r.Id).Should().Equal(1, 3, 5);
        bad.Select(b => b.Offset).Should().Equal(3, 5);
        bad[0].RawPayload.Should().Be("{\"id\":\"x\"}");
        bad[0].Reason.Should().Contain(path).And.Contain("line 3").And.Contain("column").And.Contain("Item");
        bad[1].RawPayload.Should().Be("{broken");
    }

    [Fact]
    public async Task Source_ResumeAtPosition_ContinuesWithNextLineAndCorrectLineNumbers()
    {
        using var dir = new TempDirectory();
        var path = dir.File("in.jsonl");
        await File.WriteAllLinesAsync(path, Enumerable.Range(1, 100).Select(i => i == 77 ? "oops" : $"{{\"id\":{i},\"name\":\"n{i}\",\"value\":{i}}}"));
        var partition = new Partition(0, "f", PartitionDescriptor.File(path));
        var source = new JsonLinesSource<Item>();
        long position;
        await using (var reader = await source.OpenAsync(new SourceContext(Run, partition, 0), default))
        {
            var buffer = new Item[40];
            (await reader.ReadAsync(buffer, default)).Should().Be(40);
            position = reader.Position;
        }

        var bad = new List<ErrorRecordDraft>();
        var rest = await ReadAllAsync(source, new SourceContext(Run, partition, position, bad.Add));

        rest.Select(r => r.Id).Should().Equal(Enumerable.Range(41, 60).Where(i => i != 77).Select(i => (long)i));
        bad.Should().ContainSingle().Which.Offset.Should().Be(77);
    }

    [Fact]
    public async Task Sink_ResumeAtCommittedPosition_DropsUncommittedLinesAndRenamesOnComplete()
    {
        using var dir = new TempDirectory();
        var sink = new JsonLinesSink<Item>(dir.Path);
        var partition = new Partition(0, "p0", "all");
        long committed;
        await using (var writer = await sink.OpenAsync(new SinkContext(Run, partition, null), default))
        {
            await writer.WriteAsync(Items.Create(10).ToArray(), default);
            committed = await writer.CommitAsync(default);
            await writer.WriteAsync(Items.Create(15).Skip(10).ToArray(), default);
        }

        File.Exists(sink.PathOf(Run, "p0")).Should().BeFalse("nothing is published before the partition completes");
        await using (var writer = await sink.OpenAsync(new SinkContext(Run, partition, committed), default))
        {
            await writer.WriteAsync(Items.Create(12).Skip(10).ToArray(), default);
            await writer.CommitAsync(default);
            await writer.CompleteAsync(default);
        }

        var lines = await File.ReadAllLinesAsync(sink.PathOf(Run, "p0"));
        lines.Should().HaveCount(12);
        Directory.GetFiles(Path.GetDirectoryName(sink.PathOf(Run, "p0"))!, "*.partial").Should().BeEmpty();
    }

    private static async Task<List<Item>> ReadAllAsync(ISource<Item> source, SourceContext context)
    {
        var result = new List<Item>();
        await using var reader = await source.OpenAsync(context, default);
        var buffer = new Item[7];
        int n;
        while ((n = await reader.ReadAsync(buffer, default)) > 0)
        {
            result.AddRange(buffer.Take(n));
        }

        return result;
    }
}
