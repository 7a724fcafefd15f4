namespace BatchKit.Csv.Tests;

public sealed class CsvMalformedRowTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task ReadAsync_TooFewColumns_ReportsRowAndNamesMissingColumn()
    {
        var (result, path) = await ReadAsync("Id,Name,Amount\n1,a,1\n2,b\n3,c,3\n");

        result.Records.Select(r => r.Id).Should().Equal(1, 3);
        var bad = result.Bad.Should().ContainSingle().Subject;
        AssertBad(bad, path, line: 3, raw: "2,b", column: "'Amount'", expected: "3 columns", found: "found 2");
    }

    [Fact]
    public async Task ReadAsync_TooManyColumns_ReportsRow()
    {
        var (result, path) = await ReadAsync("Id,Name,Amount\n1,a,1,extra\n2,b,2\n");

        result.Records.Select(r => r.Id).Should().Equal(2);
        AssertBad(result.Bad.Should().ContainSingle().Subject, path, line: 2, raw: "1,a,1,extra", column: "column 4", expected: "3 columns", found: "found 4");
    }

    [Fact]
    public async Task ReadAsync_UnparsableInt_ReportsColumnExpectedTypeAndValue()
    {
        var (result, path) = await ReadAsync("Id,Name,Amount\n1,a,1\nabc,b,2\n3,c,3\n");

        result.Records.Select(r => r.Id).Should().Equal(1, 3);
        AssertBad(result.Bad.Should().ContainSingle().Subject, path, line: 3, raw: "abc,b,2", column: "'Id'", expected: "Int32", found: "'abc'");
    }

    [Fact]
    public async Task ReadAsync_UnparsableDecimal_ReportsRow()
    {
        var (result, path) = await ReadAsync("Id,Name,Amount\n1,a,1x\n2,b,2\n");

        result.Records.Select(r => r.Id).Should().Equal(2);
        AssertBad(result.Bad.Should().ContainSingle().Subject, path, line: 2, raw: "1,a,1x", column: "'Amount'", expected: "Decimal", found: "'1x'");
    }

    [Fact]
    public async Task ReadAsync_UnparsableDate_ReportsRow()
    {
        var path = _dir.Write("dates.csv", "Id,When\n1,2024-01-31\n2,2024-13-45\n3,not a date\n4,2024-02-01T10:00:00Z\n");

        var result = await SourceDriver.ReadAllAsync(new CsvSource<Dated>(), path);

        result.Records.Select(r => r.Id).Should().Equal(1, 4);
        result.Bad.Should().HaveCount(2);
        AssertBad(result.Bad[0], path, line: 3, raw: "2,2024-13-45", column: "'When'", expected: "DateTime", found: "'2024-13-45'");
        AssertBad(result.Bad[1], path, line: 4, raw: "3,not a date", column: "'When'", expected: "DateTime", found: "'not a date'");
    }

    [Fact]
    public async Task ReadAsync_UnterminatedQuoteAtEnd_ReportsLastRow()
    {
        var (result, path) = await ReadAsync("Id,Name,Amount\n1,a,1\n2,\"b,2\n");

        result.Records.Select(r => r.Id).Should().Equal(1);
        AssertBad(result.Bad.Should().ContainSingle().Subject, path, line: 3, raw: "2,\"b,2", column: "'Name'", expected: "closing quote", found: "end of the file");
        result.Position.Should().Be(new FileInfo(path).Length);
    }

    [Fact]
    public async Task ReadAsync_UnterminatedQuoteInMiddle_CostsOneLineOnly()
    {
        var (result, path) = await ReadAsync("Id,Name,Amount\n1,a,1\n2,\"b,2\n3,c,3\n4,\"d\",4\n5,e,5\n");

        result.Records.Select(r => r.Id).Should().Equal(1, 3, 4, 5);
        AssertBad(result.Bad.Should().ContainSingle().Subject, path, line: 3, raw: "2,\"b,2", column: "'Name'", expected: "closing quote", found: "none before the end of the line");
    }

    [Fact]
    public async Task ReadAsync_StrayQuoteAndTextAfterClosingQuote_ReportsBothRows()
    {
        var (result, path) = await ReadAsync("Id,Name,Amount\n1,a\"b,1\n2,\"b\"x,2\n3,c,3\n");

        result.Records.Select(r => r.Id).Should().Equal(3);
        result.Bad.Should().HaveCount(2);
        AssertBad(result.Bad[0], path, line: 2, raw: "1,a\"b,1", column: "'Name'", expected: "quote only at the start", found: "quote inside an unquoted value");
        AssertBad(result.Bad[1], path, line: 3, raw: "2,\"b\"x,2", column: "'Name'", expected: "after the closing quote", found: "'x'");
    }

    [Theory]
    [InlineData("Id,Name,Amount\n1,\"a\"b\nc,1\n2,b,2\n")]
    [InlineData("Id,Name,Amount\n1,\"a\nb\"x\"y,1\n2,b,2\n")]
    [InlineData("Id,Name,Amount\n1,\"a,1\n2,b,2\n")]
    [InlineData("Id,Name,Amount\n1,a\"b\"\"c,1\n2,b,2\n")]
    public async Task ReadAsync_QuotingProblems_DescribeThemInPlainWords(string text)
    {
        var (result, _) = await ReadAsync(text);

        result.Bad.Should().NotBeEmpty();
        foreach (var bad in result.Bad)
        {
            bad.Reason.Should().NotMatchRegex(@"\b[A-Z][a-z]+[A-Z][A-Za-z]+\b", "a library's code name means nothing to the reader: " + bad.Reason);
        }
    }

    [Fact]
    public async Task ReadAsync_BlankLines_AreSkippedAndLineNumbersCountThem()
    {
        var (result, path) = await ReadAsync("Id,Name,Amount\n\n1,a,1\n\r\n\nx,b,2\n\n");

        result.Records.Select(r => r.Id).Should().Equal(1);
        AssertBad(result.Bad.Should().ContainSingle().Subject, path, line: 6, raw: "x,b,2", column: "'Id'", expected: "Int32", found: "'x'");
    }

    [Fact]
    public async Task ReadAsync_EmbeddedNewlinesInQuotes_AreValidAndCountAsLines()
    {
        var (result, path) = await ReadAsync("Id,Name,Amount\n1,\"two\nlines\",1\n2,\"three\r\nline\nvalue, with \"\"quotes\"\"\",2\nbad,c,3\n");

        result.Records.Should().Equal(new Row(1, "two\nlines", 1), new Row(2, "three\r\nline\nvalue, with \"quotes\"", 2));
        AssertBad(result.Bad.Should().ContainSingle().Subject, path, line: 7, raw: "bad,c,3", column: "'Id'", expected: "Int32", found: "'bad'");
    }

    [Fact]
    public async Task ReadAsync_ByteOrderMark_IsNotPartOfFirstColumnName()
    {
        var path = _dir.Write("bom.csv", "Id,Name,Amount\n1,a,1\nq,b,2\n", bom: true);

        var result = await SourceDriver.ReadAllAsync(new CsvSource<Row>(), path);

        result.Records.Should().Equal(new Row(1, "a", 1));
        AssertBad(result.Bad.Should().ContainSingle().Subject, path, line: 3, raw: "q,b,2", column: "'Id'", expected: "Int32", found: "'q'");
        result.Position.Should().Be(new FileInfo(path).Length);
    }

    [Fact]
    public async Task ReadAsync_ManyBadKinds_EachBadRowReportedOnceWithUniqueOffsets()
    {
        var (result, _) = await ReadAsync("Id,Name,Amount\n1,a,1\n2,b\nx,c,3\n4,\"d,4\n5,e,5\n6,f\"g,6\n7,g,7\n8,h,8,8\n9,i,9\n10,\"j,10");

        result.Records.Select(r => r.Id).Should().Equal(1, 5, 7, 9);
        result.Bad.Select(b => b.Offset).Should().Equal(3, 4, 5, 7, 9, 11);
        result.Bad.Should().OnlyContain(b => b.Step == ErrorRecord.SourceStepName);
    }

    private async Task<(ReadResult<Row> Result, string Path)> ReadAsync(string text)
    {
        var path = _dir.Write("input.csv", text);
        return (await SourceDriver.ReadAllAsync(new CsvSource<Row>(), path), path);
    }

    private static void AssertBad(ErrorRecordDraft bad, string path, long line, string raw, string column, string expected, string found)
    {
        bad.Offset.Should().Be(line);
        bad.RawPayload.Should().Be(raw);
        bad.Reason.Should().Contain(path).And.Contain($"line {line},").And.Contain(column).And.Contain(expected).And.Contain(found);
    }
}
