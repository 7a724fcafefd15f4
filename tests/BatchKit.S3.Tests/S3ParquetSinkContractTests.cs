using System.Globalization;
using BatchKit.Parquet;
using BatchKit.Testing;

namespace BatchKit.S3.Tests;

/// <summary>The sink contract (BatchKit.Testing) for the S3 object sink writing Parquet against radosgw, with the SQLite store.</summary>
public sealed class S3ParquetSinkContractTests(S3TestBucket bucket) : SinkContract<Event>, IClassFixture<S3TestBucket>, IDisposable
{
    private readonly string _prefix = "contract-parquet-" + Guid.NewGuid().ToString("N")[..12] + "/";
    private readonly TempFolder _state = new();

    public void Dispose()
    {
        _state.Dispose();
        GC.SuppressFinalize(this);
    }

    protected override ISink<Event> CreateSink() => Sink();

    protected override ICheckpointStore CreateStore() => new SqliteCheckpointStore(Path.Combine(_state.Path, "state.db"));

    protected override Event CreateRecord(int index) => new(index, "event-" + index, index % 97);

    // What is published is what the partitions' manifests name, read back as Parquet files.
    protected override async ValueTask<IReadOnlyList<Event>> ReadPublishedAsync(RunKey runKey, CancellationToken cancellationToken)
    {
        var sink = Sink();
        var records = new List<Event>();
        for (var i = 0; i < RecordCount / RecordsPerPartition; i++)
        {
            var manifest = await sink.GetPublishedAsync(runKey, "rows-" + i.ToString("D4", CultureInfo.InvariantCulture), cancellationToken);
            if (manifest is not null)
            {
                manifest.DataObject.Should().EndWith(".parquet");
                records.AddRange(await PublishedObjects.ReadParquetAsync(bucket, manifest.DataObject));
            }
        }

        return records;
    }

    private S3ObjectSink<Event> Sink() => new(bucket.Client, bucket.Uri(_prefix), new ParquetRecordFormat<Event>(new ParquetSinkOptions { RowGroupSize = 16 }));
}
