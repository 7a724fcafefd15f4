using BatchKit.Parquet;
using BatchKit.Testing;
using Parquet;
using Parquet.Schema;

namespace BatchKit.Parquet.Tests;

/// <summary>The sink contract (BatchKit.Testing) for the Parquet sink, with the SQLite store.</summary>
public sealed class ParquetSinkContractTests : SinkContract<ContractRow>, IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Output => _dir.File("out");

    protected override ISink<ContractRow> CreateSink() => new ParquetSink<ContractRow>(Output);

    protected override ICheckpointStore CreateStore() => new SqliteCheckpointStore(_dir.File("state.db"));

    protected override ContractRow CreateRecord(int index) => new(index, "origin-" + index);

    protected override async ValueTask<IReadOnlyList<ContractRow>> ReadPublishedAsync(RunKey runKey, CancellationToken cancellationToken)
    {
        var records = new List<ContractRow>();
        if (Directory.Exists(Output))
        {
            foreach (var file in Directory.GetFiles(Output, "*.parquet", SearchOption.AllDirectories))
            {
                records.AddRange((await TestSupport.ReadAllAsync(new ParquetSource<ContractRow>(), TestSupport.FilePartition(file))).Records);
            }
        }

        return records;
    }
}

/// <summary>The source contract (BatchKit.Testing) for the Parquet source: files of several row groups.</summary>
public sealed class ParquetSourceContractTests : SourceContract<ContractRow>, IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    protected override (ISource<ContractRow> Source, Partition Partition) CreateInput()
    {
        var path = _dir.File("good.parquet");
        WriteAsync(path, rowGroups: 3, rowsPerGroup: 8, nullIdAt: -1, nullOriginAt: -1).GetAwaiter().GetResult();
        return (new ParquetSource<ContractRow>(), TestSupport.FilePartition(path, "good"));
    }

    protected override (ISource<ContractRow> Source, Partition Partition, IReadOnlyList<long> BadRecordOffsets) CreateInputWithBadRecords()
    {
        var path = _dir.File("bad.parquet");
        WriteAsync(path, rowGroups: 2, rowsPerGroup: 10, nullIdAt: 3, nullOriginAt: 15).GetAwaiter().GetResult();
        return (new ParquetSource<ContractRow>(), TestSupport.FilePartition(path, "bad"), [3, 15]);
    }

    private static async Task WriteAsync(string path, int rowGroups, int rowsPerGroup, int nullIdAt, int nullOriginAt)
    {
        var fields = new DataField[] { new("id", typeof(long), true), new("origin", typeof(string), true) };
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), stream);
        for (var g = 0; g < rowGroups; g++)
        {
            var rows = Enumerable.Range(g * rowsPerGroup, rowsPerGroup).ToArray();
            using var rowGroup = writer.CreateRowGroup();
            await rowGroup.WriteAsync(fields[0], (ReadOnlyMemory<long?>)rows.Select(r => r == nullIdAt ? (long?)null : r + 1).ToArray());
            await rowGroup.WriteAsync(fields[1], (ReadOnlyMemory<ReadOnlyMemory<char>?>)rows.Select(r => r == nullOriginAt ? (ReadOnlyMemory<char>?)null : ("o-" + r).AsMemory()).ToArray());
        }
    }
}
