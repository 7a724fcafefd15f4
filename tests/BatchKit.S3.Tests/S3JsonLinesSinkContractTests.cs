using System.Globalization;
using System.Text.Json;
using BatchKit.S3;
using BatchKit.Testing;

namespace BatchKit.S3.Tests;

/// <summary>The sink contract (BatchKit.Testing) for the S3 JSON Lines sink against radosgw, with the SQLite store.</summary>
public sealed class S3JsonLinesSinkContractTests(S3TestBucket bucket) : SinkContract<Event>, IClassFixture<S3TestBucket>, IDisposable
{
    private readonly string _prefix = "contract-" + Guid.NewGuid().ToString("N")[..12] + "/";
    private readonly TempFolder _state = new();

    public void Dispose()
    {
        _state.Dispose();
        GC.SuppressFinalize(this);
    }

    protected override ISink<Event> CreateSink() => new S3JsonLinesSink<Event>(bucket.Client, bucket.Uri(_prefix));

    protected override ICheckpointStore CreateStore() => new SqliteCheckpointStore(Path.Combine(_state.Path, "state.db"));

    protected override Event CreateRecord(int index) => new(index, "event-" + index, index % 97);

    // What is published is what the partitions' manifests name.
    protected override async ValueTask<IReadOnlyList<Event>> ReadPublishedAsync(RunKey runKey, CancellationToken cancellationToken)
    {
        var sink = new S3JsonLinesSink<Event>(bucket.Client, bucket.Uri(_prefix));
        var records = new List<Event>();
        for (var i = 0; i < RecordCount / RecordsPerPartition; i++)
        {
            var manifest = await sink.GetPublishedAsync(runKey, "rows-" + i.ToString("D4", CultureInfo.InvariantCulture), cancellationToken);
            if (manifest is null)
            {
                continue;
            }

            var text = await bucket.GetTextAsync(manifest.DataObject[$"s3://{bucket.Name}/".Length..]);
            records.AddRange(text!.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonSerializer.Deserialize<Event>(l, JsonSerializerOptions.Web)!));
        }

        return records;
    }
}
