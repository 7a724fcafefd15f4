using System.Globalization;

namespace BatchKit.Csv.Tests;

public sealed class CsvSinkTests : IDisposable
{
    private static readonly Partition Part = new(0, "part-0001", PartitionDescriptor.Hash(1, 4));
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task CompleteAsync_FreshPartition_PublishesFileOnlyOnComplete()
    {
        var sink = new CsvSink<Row>(_dir.Path);
        var final = sink.GetPath(SourceDriver.Run, Part.Id);

        await using var writer = await sink.OpenAsync(new SinkContext(SourceDriver.Run, Part, null), CancellationToken.None);
        await writer.WriteAsync(new[] { new Row(1, "a", 1.5m), new Row(2, "b,c", 2m) }, CancellationToken.None);
        var committed = await writer.CommitAsync(CancellationToken.None);

        File.Exists(final).Should().BeFalse("nothing is published before CompleteAsync");
        File.Exists(final + ".e0.partial").Should().BeTrue();
        new FileInfo(final + ".e0.partial").Length.Should().Be(committed);

        await writer.CompleteAsync(CancellationToken.None);

        File.Exists(final + ".e0.partial").Should().BeFalse();
        File.ReadAllText(final).Should().Be("Id,Name,Amount\r\n1,a,1.5\r\n2,\"b,c\",2\r\n");
        sink.Disposition.Should().Be(WriteDisposition.Append);
    }

    [Fact]
    public async Task OpenAsync_ResumeAtCommittedPosition_DropsUncommittedRows()
    {
        var sink = new CsvSink<Row>(_dir.Path);
        long committed;
        await using (var first = await sink.OpenAsync(new SinkContext(SourceDriver.Run, Part, null), CancellationToken.None))
        {
            await first.WriteAsync(new[] { new Row(1, "a", 1m), new Row(2, "b", 2m) }, CancellationToken.None);
            committed = await first.CommitAsync(CancellationToken.None);
            await first.WriteAsync(new[] { new Row(3, "lost", 3m), new Row(4, "lost", 4m) }, CancellationToken.None);

            // The process dies here: the uncommitted rows may or may not have reached the file.
        }

        await using (var second = await sink.OpenAsync(new SinkContext(SourceDriver.Run, Part, committed), CancellationToken.None))
        {
            await second.WriteAsync(new[] { new Row(3, "c", 3m) }, CancellationToken.None);
            await second.CommitAsync(CancellationToken.None);
            await second.CompleteAsync(CancellationToken.None);
        }

        File.ReadAllText(sink.GetPath(SourceDriver.Run, Part.Id)).Should().Be("Id,Name,Amount\r\n1,a,1\r\n2,b,2\r\n3,c,3\r\n");
    }

    [Fact]
    public async Task OpenAsync_NoResumePosition_DiscardsEarlierPartialOutput()
    {
        var sink = new CsvSink<Row>(_dir.Path);
        await using (var first = await sink.OpenAsync(new SinkContext(SourceDriver.Run, Part, null), CancellationToken.None))
        {
            await first.WriteAsync(new[] { new Row(9, "old", 9m) }, CancellationToken.None);
            await first.CommitAsync(CancellationToken.None);
        }

        await using (var second = await sink.OpenAsync(new SinkContext(SourceDriver.Run, Part, null), CancellationToken.None))
        {
            await second.WriteAsync(new[] { new Row(1, "new", 1m) }, CancellationToken.None);
            await second.CompleteAsync(CancellationToken.None);
        }

        File.ReadAllText(sink.GetPath(SourceDriver.Run, Part.Id)).Should().Be("Id,Name,Amount\r\n1,new,1\r\n");
    }

    [Fact]
    public async Task CompleteAsync_Twice_IsIdempotent()
    {
        var sink = new CsvSink<Row>(_dir.Path);
        await using var writer = await sink.OpenAsync(new SinkContext(SourceDriver.Run, Part, null), CancellationToken.None);
        await writer.WriteAsync(new[] { new Row(1, "a", 1m) }, CancellationToken.None);

        await writer.CompleteAsync(CancellationToken.None);
        await writer.CompleteAsync(CancellationToken.None);

        File.ReadAllText(sink.GetPath(SourceDriver.Run, Part.Id)).Should().Be("Id,Name,Amount\r\n1,a,1\r\n");
    }

    [Fact]
    public async Task OpenAsync_ResumeAfterPublishedButNotRecorded_RepublishesSameContent()
    {
        var sink = new CsvSink<Row>(_dir.Path);
        long committed;
        await using (var first = await sink.OpenAsync(new SinkContext(SourceDriver.Run, Part, null), CancellationToken.None))
        {
            await first.WriteAsync(new[] { new Row(1, "a", 1m) }, CancellationToken.None);
            committed = await first.CommitAsync(CancellationToken.None);
            await first.CompleteAsync(CancellationToken.None);
        }

        var published = File.ReadAllText(sink.GetPath(SourceDriver.Run, Part.Id));
        await using (var again = await sink.OpenAsync(new SinkContext(SourceDriver.Run, Part, committed), CancellationToken.None))
        {
            await again.CompleteAsync(CancellationToken.None);
        }

        File.ReadAllText(sink.GetPath(SourceDriver.Run, Part.Id)).Should().Be(published);
        File.Exists(sink.GetPath(SourceDriver.Run, Part.Id) + ".e0.partial").Should().BeFalse();
    }

    [Fact]
    public async Task OpenAsync_ResumeWithoutPartialFile_ThrowsInvalidData()
    {
        var sink = new CsvSink<Row>(_dir.Path);

        var act = async () => await sink.OpenAsync(new SinkContext(SourceDriver.Run, Part, 100), CancellationToken.None);

        (await act.Should().ThrowAsync<InvalidDataException>()).Which.Message.Should().Contain("part-0001").And.Contain("100");
    }

    [Fact]
    public async Task WriteAsync_SemicolonAndGermanCulture_WritesCommaDecimals()
    {
        var sink = new CsvSink<Row>(_dir.Path, new CsvSinkOptions { Delimiter = ';', Culture = CultureInfo.GetCultureInfo("de-DE") });
        await using var writer = await sink.OpenAsync(new SinkContext(SourceDriver.Run, Part, null), CancellationToken.None);
        await writer.WriteAsync(new[] { new Row(1, "a;b", 1234.5m) }, CancellationToken.None);
        await writer.CompleteAsync(CancellationToken.None);

        File.ReadAllText(sink.GetPath(SourceDriver.Run, Part.Id)).Should().Be("Id;Name;Amount\r\n1;\"a;b\";1234,5\r\n");
    }

    [Fact]
    public void GetPath_IdWithPathSeparator_Throws()
    {
        var sink = new CsvSink<Row>(_dir.Path);

        var act = () => sink.GetPath(SourceDriver.Run, "../escape");

        act.Should().Throw<ArgumentException>();
    }
}
