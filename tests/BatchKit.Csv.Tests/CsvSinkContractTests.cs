using BatchKit.Testing;

namespace BatchKit.Csv.Tests;

/// <summary>The sink contract (BatchKit.Testing) for the CSV sink, with the SQLite store.</summary>
public sealed class CsvSinkContractTests : SinkContract<Row>, IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Output => Path.Combine(_dir.Path, "out");

    protected override ISink<Row> CreateSink() => new CsvSink<Row>(Output);

    protected override ICheckpointStore CreateStore() => new SqliteCheckpointStore(Path.Combine(_dir.Path, "state.db"));

    protected override Row CreateRecord(int index) => new(index, "name-" + index, index * 1.25m);

    protected override async ValueTask<IReadOnlyList<Row>> ReadPublishedAsync(RunKey runKey, CancellationToken cancellationToken)
    {
        var records = new List<Row>();
        if (Directory.Exists(Output))
        {
            foreach (var file in Directory.GetFiles(Output, "*.csv", SearchOption.AllDirectories))
            {
                var read = await SourceDriver.ReadAllAsync(new CsvSource<Row>(), file);
                Assert.Empty(read.Bad);
                records.AddRange(read.Records);
            }
        }

        return records;
    }
}
