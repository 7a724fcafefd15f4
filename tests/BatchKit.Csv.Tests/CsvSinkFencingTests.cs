namespace BatchKit.Csv.Tests;

/// <summary>A CSV sink writes only under a held lease, never changes a later epoch's output, and namespaces output by run.</summary>
public sealed class CsvSinkFencingTests : IDisposable
{
    private static readonly Partition Part = new(0, "orders-00", PartitionDescriptor.Hash(0, 4));
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task CompleteAsync_LeaseNotConfirmed_ThrowsLeaseLostAndLeavesFinalFileUnchanged()
    {
        var sink = new CsvSink<Row>(_dir.Path);
        var final = OutputPaths.PartitionFile(_dir.Path, SourceDriver.Run, Part.Id, ".csv");
        await WriteAsync(sink, Held(1), null, new Row(1, "published", 1m));
        var published = await File.ReadAllBytesAsync(final);

        await using var writer = await sink.OpenAsync(new SinkContext(SourceDriver.Run, Part, null) { Fence = Lost(2) }, CancellationToken.None);
        await writer.WriteAsync(new[] { new Row(2, "stale", 2m) }, CancellationToken.None);
        await writer.CommitAsync(CancellationToken.None);
        var complete = async () => await writer.CompleteAsync(CancellationToken.None);

        await complete.Should().ThrowAsync<LeaseLostException>();
        (await File.ReadAllBytesAsync(final)).Should().Equal(published, "an attempt that lost its lease publishes nothing");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task OpenAsync_StaleEpochAfterLaterEpochPublished_NeverDeletesOrMovesFinalFile(bool resume)
    {
        var sink = new CsvSink<Row>(_dir.Path);
        var final = OutputPaths.PartitionFile(_dir.Path, SourceDriver.Run, Part.Id, ".csv");
        var committed = await WriteAsync(sink, Held(3), null, new Row(1, "a", 1m));
        await WriteAsync(sink, Held(5), committed, new Row(2, "b", 2m));
        var published = await File.ReadAllBytesAsync(final);

        var stale = async () =>
        {
            await using var writer = await sink.OpenAsync(new SinkContext(SourceDriver.Run, Part, resume ? committed : null) { Fence = Lost(3) }, CancellationToken.None);
            File.Exists(final).Should().BeTrue("opening a stale attempt leaves the published file in place");
            (await File.ReadAllBytesAsync(final)).Should().Equal(published);
            await writer.WriteAsync(new[] { new Row(9, "stale", 9m) }, CancellationToken.None);
            await writer.CommitAsync(CancellationToken.None);
            await writer.CompleteAsync(CancellationToken.None);
        };

        await stale.Should().ThrowAsync<LeaseLostException>();
        (await File.ReadAllBytesAsync(final)).Should().Equal(published, "a stale epoch never changes what a later epoch published");
        File.ReadAllText(final).Should().Be("Id,Name,Amount\r\n1,a,1\r\n2,b,2\r\n");
    }

    [Fact]
    public async Task OpenAsync_LaterEpochStillWriting_StaleEpochThrowsAndLeavesItsFileAlone()
    {
        var sink = new CsvSink<Row>(_dir.Path);
        var final = sink.GetPath(SourceDriver.Run, Part.Id);
        await using var later = await sink.OpenAsync(new SinkContext(SourceDriver.Run, Part, null) { Fence = Held(7) }, CancellationToken.None);
        await later.WriteAsync(new[] { new Row(1, "a", 1m) }, CancellationToken.None);
        var committed = await later.CommitAsync(CancellationToken.None);

        var stale = async () => await sink.OpenAsync(new SinkContext(SourceDriver.Run, Part, committed) { Fence = Held(6) }, CancellationToken.None);

        await stale.Should().ThrowAsync<LeaseLostException>();
        new FileInfo(final + ".e7.partial").Length.Should().Be(committed, "the stale epoch did not truncate the later epoch's file");
        File.Exists(final + ".e6.partial").Should().BeFalse();
        await later.CompleteAsync(CancellationToken.None);
        File.ReadAllText(final).Should().Be("Id,Name,Amount\r\n1,a,1\r\n");
    }

    [Fact]
    public async Task CompleteAsync_TwoRunsWithDifferentParameters_WriteDifferentFiles()
    {
        var sink = new CsvSink<Row>(_dir.Path);
        var first = new RunKey("orders", RunParameters.Of("date", "2026-11-22"));
        var second = new RunKey("orders", RunParameters.Of("date", "2026-11-23"));

        await WriteAsync(sink, first, Held(1), null, new Row(22, "first", 1m));
        await WriteAsync(sink, second, Held(1), null, new Row(23, "second", 1m));

        var firstPath = OutputPaths.PartitionFile(_dir.Path, first, Part.Id, ".csv");
        var secondPath = OutputPaths.PartitionFile(_dir.Path, second, Part.Id, ".csv");
        firstPath.Should().NotBe(secondPath);
        File.ReadAllText(firstPath).Should().Be("Id,Name,Amount\r\n22,first,1\r\n");
        File.ReadAllText(secondPath).Should().Be("Id,Name,Amount\r\n23,second,1\r\n");
        Path.GetDirectoryName(firstPath).Should().EndWith("date=2026-11-22");
    }

    [Fact]
    public async Task OpenAsync_ResumeInLaterEpoch_CopiesCommittedPrefixWithHeaderAndLeavesOlderFileAlone()
    {
        var sink = new CsvSink<Row>(_dir.Path);
        var final = OutputPaths.PartitionFile(_dir.Path, SourceDriver.Run, Part.Id, ".csv");
        long committed;
        await using (var first = await sink.OpenAsync(new SinkContext(SourceDriver.Run, Part, null) { Fence = Held(1) }, CancellationToken.None))
        {
            await first.WriteAsync(new[] { new Row(1, "a", 1m) }, CancellationToken.None);
            committed = await first.CommitAsync(CancellationToken.None);
            await first.WriteAsync(new[] { new Row(2, "uncommitted", 2m) }, CancellationToken.None);
            await first.CommitAsync(CancellationToken.None);
        }

        var older = final + ".e1.partial";
        var olderBytes = await File.ReadAllBytesAsync(older);
        await using (var second = await sink.OpenAsync(new SinkContext(SourceDriver.Run, Part, committed) { Fence = Held(2) }, CancellationToken.None))
        {
            (await File.ReadAllBytesAsync(older)).Should().Equal(olderBytes, "a later epoch never truncates an older epoch's file, which a paused process may hold");
            await second.WriteAsync(new[] { new Row(2, "b", 2m) }, CancellationToken.None);
            await second.CommitAsync(CancellationToken.None);
            await second.CompleteAsync(CancellationToken.None);
        }

        File.ReadAllText(final).Should().Be("Id,Name,Amount\r\n1,a,1\r\n2,b,2\r\n", "the header is part of the committed prefix and is written once");
        Directory.GetFiles(Path.GetDirectoryName(final)!, "*.partial").Should().BeEmpty();
    }

    private static FencingToken Held(long epoch) => new("owner-" + epoch, epoch, _ => ValueTask.FromResult(true));

    private static FencingToken Lost(long epoch) => new("owner-" + epoch, epoch, _ => ValueTask.FromResult(false));

    private static Task<long> WriteAsync(CsvSink<Row> sink, FencingToken fence, long? resume, params Row[] rows) =>
        WriteAsync(sink, SourceDriver.Run, fence, resume, rows);

    private static async Task<long> WriteAsync(CsvSink<Row> sink, RunKey run, FencingToken fence, long? resume, params Row[] rows)
    {
        await using var writer = await sink.OpenAsync(new SinkContext(run, Part, resume) { Fence = fence }, CancellationToken.None);
        await writer.WriteAsync(rows, CancellationToken.None);
        var committed = await writer.CommitAsync(CancellationToken.None);
        await writer.CompleteAsync(CancellationToken.None);
        return committed;
    }
}
