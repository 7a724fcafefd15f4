using BatchKit.Tests.Support;

namespace BatchKit.Tests.Sinks;

/// <summary>The JSON Lines sink publishes only under a held lease, never changes a later epoch's output, and namespaces output by run.</summary>
public sealed class JsonLinesFencingTests
{
    private static readonly RunKey Run = new("jsonl", RunParameters.Empty);
    private static readonly Partition Part = new(0, "orders-00", "all");

    [Fact]
    public async Task CompleteAsync_LeaseNotConfirmed_ThrowsLeaseLostAndLeavesFinalFileUnchanged()
    {
        using var dir = new TempDirectory();
        var sink = new JsonLinesSink<Item>(dir.Path);
        var final = OutputPaths.PartitionFile(dir.Path, Run, Part.Id, ".jsonl");
        await WriteAsync(sink, Run, Held(1), null, Items.Create(3));
        var published = await File.ReadAllBytesAsync(final);

        await using var writer = await sink.OpenAsync(new SinkContext(Run, Part, null) { Fence = Lost(2) }, default);
        await writer.WriteAsync(Items.Create(5).ToArray(), default);
        await writer.CommitAsync(default);
        var complete = async () => await writer.CompleteAsync(default);

        await complete.Should().ThrowAsync<LeaseLostException>();
        (await File.ReadAllBytesAsync(final)).Should().Equal(published, "an attempt that lost its lease publishes nothing");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task OpenAsync_StaleEpochAfterLaterEpochPublished_NeverDeletesOrMovesFinalFile(bool resume)
    {
        using var dir = new TempDirectory();
        var sink = new JsonLinesSink<Item>(dir.Path);
        var final = OutputPaths.PartitionFile(dir.Path, Run, Part.Id, ".jsonl");
        var committed = await WriteAsync(sink, Run, Held(3), null, Items.Create(2));
        await WriteAsync(sink, Run, Held(5), committed, Items.Create(4).Skip(2).ToList());
        var published = await File.ReadAllBytesAsync(final);

        var stale = async () =>
        {
            await using var writer = await sink.OpenAsync(new SinkContext(Run, Part, resume ? committed : null) { Fence = Lost(3) }, default);
            File.Exists(final).Should().BeTrue("opening a stale attempt leaves the published file in place");
            (await File.ReadAllBytesAsync(final)).Should().Equal(published);
            await writer.WriteAsync(Items.Create(9).ToArray(), default);
            await writer.CommitAsync(default);
            await writer.CompleteAsync(default);
        };

        await stale.Should().ThrowAsync<LeaseLostException>();
        (await File.ReadAllBytesAsync(final)).Should().Equal(published, "a stale epoch never changes what a later epoch published");
        (await File.ReadAllLinesAsync(final)).Should().HaveCount(4);
    }

    [Fact]
    public async Task CompleteAsync_TwoRunsWithDifferentParameters_WriteDifferentFiles()
    {
        using var dir = new TempDirectory();
        var sink = new JsonLinesSink<Item>(dir.Path);
        var first = new RunKey("orders", RunParameters.Of("date", "2026-11-22"));
        var second = new RunKey("orders", RunParameters.Of("date", "2026-11-23"));

        await WriteAsync(sink, first, Held(1), null, Items.Create(2));
        await WriteAsync(sink, second, Held(1), null, Items.Create(3));

        var firstPath = OutputPaths.PartitionFile(dir.Path, first, Part.Id, ".jsonl");
        var secondPath = OutputPaths.PartitionFile(dir.Path, second, Part.Id, ".jsonl");
        firstPath.Should().NotBe(secondPath);
        (await File.ReadAllLinesAsync(firstPath)).Should().HaveCount(2);
        (await File.ReadAllLinesAsync(secondPath)).Should().HaveCount(3);
    }

    private static FencingToken Held(long epoch) => new("owner-" + epoch, epoch, _ => ValueTask.FromResult(true));

    private static FencingToken Lost(long epoch) => new("owner-" + epoch, epoch, _ => ValueTask.FromResult(false));

    private static async Task<long> WriteAsync(JsonLinesSink<Item> sink, RunKey run, FencingToken fence, long? resume, List<Item> items)
    {
        await using var writer = await sink.OpenAsync(new SinkContext(run, Part, resume) { Fence = fence }, default);
        await writer.WriteAsync(items.ToArray(), default);
        var committed = await writer.CommitAsync(default);
        await writer.CompleteAsync(default);
        return committed;
    }
}
