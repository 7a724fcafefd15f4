namespace BatchKit.Parquet.Tests;

/// <summary>A Parquet sink publishes only under a held lease, never changes a later epoch's output, and namespaces output by run.</summary>
public sealed class ParquetSinkFencingTests : IDisposable
{
    private static readonly Partition Part = new(0, "orders-00", "rows:0:1");
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task CompleteAsync_LeaseNotConfirmed_ThrowsLeaseLostAndLeavesFinalFileUnchanged()
    {
        var sink = new ParquetSink<Row>(_dir.Path);
        var final = OutputPaths.PartitionFile(_dir.Path, TestSupport.Run, Part.Id, ".parquet");
        await WriteAsync(sink, TestSupport.Run, Held(1), null, 1);
        var published = await File.ReadAllBytesAsync(final);

        await using var writer = await sink.OpenAsync(new SinkContext(TestSupport.Run, Part, null) { Fence = Lost(2) }, CancellationToken.None);
        await writer.WriteAsync(Rows(2), CancellationToken.None);
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
        var sink = new ParquetSink<Row>(_dir.Path);
        var final = OutputPaths.PartitionFile(_dir.Path, TestSupport.Run, Part.Id, ".parquet");
        await WriteAsync(sink, TestSupport.Run, Held(5), null, 5);
        var published = await File.ReadAllBytesAsync(final);

        var stale = async () =>
        {
            await using var writer = await sink.OpenAsync(new SinkContext(TestSupport.Run, Part, resume ? 0 : null) { Fence = Lost(3) }, CancellationToken.None);
            (await File.ReadAllBytesAsync(final)).Should().Equal(published, "opening a stale attempt leaves the published file in place");
            await writer.WriteAsync(Rows(3), CancellationToken.None);
            await writer.CommitAsync(CancellationToken.None);
            await writer.CompleteAsync(CancellationToken.None);
        };

        await stale.Should().ThrowAsync<LeaseLostException>();
        (await File.ReadAllBytesAsync(final)).Should().Equal(published, "a stale epoch never changes what a later epoch published");
        var (read, _) = await TestSupport.ReadAllAsync(new ParquetSource<Row>(), TestSupport.FilePartition(final));
        read.Select(r => r.Id).Should().Equal(Enumerable.Range(0, 5).Select(i => (long)i));
    }

    [Fact]
    public async Task OpenAsync_LaterEpochStillWriting_StaleEpochThrowsAndLeavesItsFileAlone()
    {
        var sink = new ParquetSink<Row>(_dir.Path);
        await using var later = await sink.OpenAsync(new SinkContext(TestSupport.Run, Part, null) { Fence = Held(7) }, CancellationToken.None);
        await later.WriteAsync(Rows(4), CancellationToken.None);
        var partials = Directory.GetFiles(_dir.Path, "*.partial", SearchOption.AllDirectories);
        partials.Should().ContainSingle().Which.Should().EndWith(".e7.partial");
        var before = new FileInfo(partials[0]).Length;

        var stale = async () => await sink.OpenAsync(new SinkContext(TestSupport.Run, Part, null) { Fence = Held(6) }, CancellationToken.None);

        await stale.Should().ThrowAsync<LeaseLostException>();
        File.Exists(partials[0]).Should().BeTrue();
        new FileInfo(partials[0]).Length.Should().Be(before);
        await later.CompleteAsync(CancellationToken.None);
        var (read, _) = await TestSupport.ReadAllAsync(new ParquetSource<Row>(), TestSupport.FilePartition(OutputPaths.PartitionFile(_dir.Path, TestSupport.Run, Part.Id, ".parquet")));
        read.Should().HaveCount(4);
    }

    [Fact]
    public async Task CompleteAsync_TwoRunsWithDifferentParameters_WriteDifferentFiles()
    {
        var sink = new ParquetSink<Row>(_dir.Path);
        var first = new RunKey("orders", RunParameters.Of("date", "2026-11-22"));
        var second = new RunKey("orders", RunParameters.Of("date", "2026-11-23"));

        await WriteAsync(sink, first, Held(1), null, 2);
        await WriteAsync(sink, second, Held(1), null, 3);

        var firstPath = OutputPaths.PartitionFile(_dir.Path, first, Part.Id, ".parquet");
        var secondPath = OutputPaths.PartitionFile(_dir.Path, second, Part.Id, ".parquet");
        firstPath.Should().NotBe(secondPath);
        (await TestSupport.ReadAllAsync(new ParquetSource<Row>(), TestSupport.FilePartition(firstPath))).Records.Should().HaveCount(2);
        (await TestSupport.ReadAllAsync(new ParquetSource<Row>(), TestSupport.FilePartition(secondPath))).Records.Should().HaveCount(3);
    }

    [Fact]
    public async Task CompleteAsync_FileNameTemplateAndTwoRuns_WritesUnderEachRunFolder()
    {
        var sink = new ParquetSink<Row>(_dir.Path, new ParquetSinkOptions { FileName = p => "orders/" + p.Id + ".parquet" });
        var first = new RunKey("orders", RunParameters.Of("date", "2026-11-22"));
        var second = new RunKey("orders", RunParameters.Of("date", "2026-11-23"));

        await WriteAsync(sink, first, Held(1), null, 2);
        await WriteAsync(sink, second, Held(1), null, 3);

        var firstPath = Path.Combine(OutputPaths.RunDirectory(_dir.Path, first), "orders", "orders-00.parquet");
        var secondPath = Path.Combine(OutputPaths.RunDirectory(_dir.Path, second), "orders", "orders-00.parquet");
        (await TestSupport.ReadAllAsync(new ParquetSource<Row>(), TestSupport.FilePartition(firstPath))).Records.Should().HaveCount(2);
        (await TestSupport.ReadAllAsync(new ParquetSource<Row>(), TestSupport.FilePartition(secondPath))).Records.Should().HaveCount(3);
    }

    private static FencingToken Held(long epoch) => new("owner-" + epoch, epoch, _ => ValueTask.FromResult(true));

    private static FencingToken Lost(long epoch) => new("owner-" + epoch, epoch, _ => ValueTask.FromResult(false));

    private static Row[] Rows(int count) => Enumerable.Range(0, count).Select(i => new Row { Id = i, Name = "r" + i, Amount = i }).ToArray();

    private static async Task WriteAsync(ParquetSink<Row> sink, RunKey run, FencingToken fence, long? resume, int count)
    {
        await using var writer = await sink.OpenAsync(new SinkContext(run, Part, resume) { Fence = fence }, CancellationToken.None);
        await writer.WriteAsync(Rows(count), CancellationToken.None);
        await writer.CommitAsync(CancellationToken.None);
        await writer.CompleteAsync(CancellationToken.None);
    }
}
