using System.Globalization;
using System.Text;

namespace BatchKit.Csv.Tests;

public sealed class CsvSourceTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task ReadAsync_WellFormedFile_ReturnsRowsInOrderAndEndsAtFileLength()
    {
        var path = _dir.Write("a.csv", "Id,Name,Amount\r\n1,one,1.5\r\n2,two,2.25\r\n3,\"three, quoted\",3\r\n");

        var result = await SourceDriver.ReadAllAsync(new CsvSource<Row>(), path, chunk: 2);

        result.Records.Should().Equal(new Row(1, "one", 1.5m), new Row(2, "two", 2.25m), new Row(3, "three, quoted", 3m));
        result.Bad.Should().BeEmpty();
        result.Position.Should().Be(new FileInfo(path).Length);
    }

    [Fact]
    public async Task ReadAsync_HeaderInOtherCaseAndOrder_MapsByName()
    {
        var path = _dir.Write("a.csv", "amount, NAME ,id\n9.5,x,7\n");

        var result = await SourceDriver.ReadAllAsync(new CsvSource<Row>(), path);

        result.Records.Should().Equal(new Row(7, "x", 9.5m));
    }

    [Fact]
    public async Task ReadAsync_ColumnNameOverride_ReadsTheNamedColumn()
    {
        var path = _dir.Write("a.csv", "order_id,customer,total\n5,ann,1.25\n");
        var options = new CsvSourceOptions();
        options.ColumnNames["Id"] = "order_id";
        options.ColumnNames["Name"] = "customer";
        options.ColumnNames["Amount"] = "total";

        var result = await SourceDriver.ReadAllAsync(new CsvSource<Row>(options), path);

        result.Records.Should().Equal(new Row(5, "ann", 1.25m));
    }

    [Fact]
    public async Task OpenAsync_MissingColumn_ThrowsNamingFileColumnAndHeader()
    {
        var path = _dir.Write("a.csv", "Id,Name\n1,a\n");

        var act = () => SourceDriver.ReadAllAsync(new CsvSource<Row>(), path);

        (await act.Should().ThrowAsync<InvalidDataException>())
            .Which.Message.Should().Contain(path).And.Contain("'Amount'").And.Contain("'Id', 'Name'");
    }

    [Fact]
    public async Task ReadAsync_NoHeader_UsesConfiguredColumnOrder()
    {
        var path = _dir.Write("a.csv", "a,1,2.5\nb,2,3.5\n");
        var options = new CsvSourceOptions { HasHeader = false };
        options.Columns.Add("Name");
        options.Columns.Add("Id");
        options.Columns.Add("Amount");

        var result = await SourceDriver.ReadAllAsync(new CsvSource<Row>(options), path);

        result.Records.Should().Equal(new Row(1, "a", 2.5m), new Row(2, "b", 3.5m));
    }

    [Fact]
    public async Task ReadAsync_SemicolonAndGermanCulture_ParsesCommaDecimals()
    {
        var path = _dir.Write("de.csv", "Id;Name;Amount\n1;\"a;b\";1.234,5\n2;c;0,75\n");
        var options = new CsvSourceOptions { Delimiter = ';', Culture = CultureInfo.GetCultureInfo("de-DE") };

        var result = await SourceDriver.ReadAllAsync(new CsvSource<Row>(options), path);

        result.Records.Should().Equal(new Row(1, "a;b", 1234.5m), new Row(2, "c", 0.75m));
        result.Bad.Should().BeEmpty();
    }

    [Fact]
    public async Task ReadAsync_DelimiterDetection_FindsSemicolon()
    {
        var path = _dir.Write("a.csv", "Id;Name;Amount\n1;a;2\n");

        var result = await SourceDriver.ReadAllAsync(new CsvSource<Row>(new CsvSourceOptions { Delimiter = null }), path);

        result.Records.Should().Equal(new Row(1, "a", 2m));
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\r\n")]
    public async Task ReadAsync_FileWithoutHeader_ReturnsNothing(string text)
    {
        var path = _dir.Write("a.csv", text, bom: true);

        var result = await SourceDriver.ReadAllAsync(new CsvSource<Row>(), path);

        result.Records.Should().BeEmpty();
        result.Bad.Should().BeEmpty();
    }

    [Fact]
    public async Task ReadAsync_BadRowWithoutReceiver_ThrowsInvalidData()
    {
        var path = _dir.Write("a.csv", "Id,Name,Amount\nx,a,1\n");
        var context = new SourceContext(SourceDriver.Run, SourceDriver.FilePartition(path), 0);
        await using var reader = await new CsvSource<Row>().OpenAsync(context, CancellationToken.None);

        var act = async () => await reader.ReadAsync(new Row[4], CancellationToken.None);

        (await act.Should().ThrowAsync<InvalidDataException>()).Which.Message.Should().Contain("line 2");
    }

    [Fact]
    public async Task OpenAsync_NotAFileDescriptor_ThrowsFormatException()
    {
        var context = new SourceContext(SourceDriver.Run, new Partition(0, "p", PartitionDescriptor.Rows(0, 10)), 0);

        var act = async () => await new CsvSource<Row>().OpenAsync(context, CancellationToken.None);

        await act.Should().ThrowAsync<FormatException>();
    }

    [Fact]
    public async Task OpenAsync_PositionMidFile_ReturnsExactlyTheRemainingRowsWithFileLineNumbers()
    {
        var text = new StringBuilder("Id,Name,Amount\r\n");
        for (var i = 1; i <= 10; i++)
        {
            text.Append(i).Append(i == 3 ? ",\"multi\r\nline\"," : ",n,").Append(i).Append("\r\n");
        }

        text.Append("bad,n,1\r\n11,n,11\r\n");
        var path = _dir.Write("a.csv", text.ToString());
        var source = new CsvSource<Row>();

        var first = await SourceDriver.ReadAllAsync(source, path, maxRecords: 4, chunk: 3);
        var rest = await SourceDriver.ReadAllAsync(source, path, first.Position);

        first.Records.Select(r => r.Id).Should().Equal(1, 2, 3, 4);
        rest.Records.Select(r => r.Id).Should().Equal(5, 6, 7, 8, 9, 10, 11);
        rest.Bad.Should().ContainSingle().Which.Offset.Should().Be(13, "row 3 spans lines 4 and 5");
        rest.Bad[0].Reason.Should().Contain("line 13,");
        rest.Bad[0].RawPayload.Should().Be("bad,n,1");
    }

    [Fact]
    public async Task OpenAsync_EveryPositionReached_ResumesWithTheSameRowsAsOneRead()
    {
        var path = _dir.Write("a.csv", "\uFEFFId,Name,Amount\n\n1,a,1\n2,\"b\nb\",2\r\n3,c\n4,\"d,5\n5,e,5\n\n6,f,6");
        var source = new CsvSource<Row>();
        var whole = await SourceDriver.ReadAllAsync(source, path);

        var bad = new List<ErrorRecordDraft>();
        var positions = new List<(long Position, int Read)>();
        var context = new SourceContext(SourceDriver.Run, SourceDriver.FilePartition(path), 0, bad.Add);
        await using (var reader = await source.OpenAsync(context, CancellationToken.None))
        {
            var buffer = new Row[1];
            var read = 0;
            positions.Add((reader.Position, 0));
            while (await reader.ReadAsync(buffer, CancellationToken.None) == 1)
            {
                positions.Add((reader.Position, ++read));
            }
        }

        whole.Records.Select(r => r.Id).Should().Equal(1, 2, 5, 6);
        whole.Bad.Select(b => b.Offset).Should().Equal(6, 7);
        foreach (var (position, read) in positions)
        {
            var rest = await SourceDriver.ReadAllAsync(source, path, position);
            rest.Records.Should().Equal(whole.Records.Skip(read), $"resuming at byte {position} after {read} rows");
            rest.Bad.Select(b => b.Offset).Should().BeSubsetOf(whole.Bad.Select(b => b.Offset));
        }
    }
}
