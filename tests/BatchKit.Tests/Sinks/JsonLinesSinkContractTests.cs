using System.Text.Json;
using BatchKit.Testing;
using BatchKit.Tests.Support;

namespace BatchKit.Tests.Sinks;

/// <summary>The sink contract (BatchKit.Testing) for the JSON Lines sink, with the SQLite store.</summary>
public sealed class JsonLinesSinkContractTests : SinkContract<Item>, IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    protected override ISink<Item> CreateSink() => new JsonLinesSink<Item>(_dir.File("out"), Items.Json);

    protected override ICheckpointStore CreateStore() => new SqliteCheckpointStore(_dir.File("state.db"));

    protected override Item CreateRecord(int index) => new(index, "item-" + index, index % 97);

    protected override async ValueTask<IReadOnlyList<Item>> ReadPublishedAsync(RunKey runKey, CancellationToken cancellationToken)
    {
        var records = new List<Item>();
        var root = _dir.File("out");
        if (!Directory.Exists(root))
        {
            return records;
        }

        foreach (var file in Directory.GetFiles(root, "*.jsonl", SearchOption.AllDirectories))
        {
            foreach (var line in await File.ReadAllLinesAsync(file, cancellationToken))
            {
                records.Add(JsonSerializer.Deserialize<Item>(line, Items.Json)!);
            }
        }

        return records;
    }
}
