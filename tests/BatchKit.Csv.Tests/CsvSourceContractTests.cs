using BatchKit.Testing;

namespace BatchKit.Csv.Tests;

/// <summary>The source contract (BatchKit.Testing) for the CSV source: quoted fields, a header, CRLF and LF rows.</summary>
public sealed class CsvSourceContractTests : SourceContract<Row>, IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    protected override (ISource<Row> Source, Partition Partition) CreateInput()
    {
        var rows = Enumerable.Range(1, 24).Select(i => i % 5 == 0 ? $"{i},\"quoted, with comma\",{i}.5\r\n" : $"{i},name-{i},{i}\n");
        var path = _dir.Write("good.csv", "Id,Name,Amount\n" + string.Concat(rows));
        return (new CsvSource<Row>(), SourceDriver.FilePartition(path));
    }

    protected override (ISource<Row> Source, Partition Partition, IReadOnlyList<long> BadRecordOffsets) CreateInputWithBadRecords()
    {
        // Offsets are file lines: the header is line 1.
        var rows = Enumerable.Range(1, 18).Select(i => i switch
        {
            3 => "3,too few\n",
            8 => "eight,name-8,8\n",
            14 => "14,name-14,14,extra\n",
            _ => $"{i},name-{i},{i}\n",
        });
        var path = _dir.Write("bad.csv", "Id,Name,Amount\n" + string.Concat(rows));
        return (new CsvSource<Row>(), SourceDriver.FilePartition(path), [4, 9, 15]);
    }
}
