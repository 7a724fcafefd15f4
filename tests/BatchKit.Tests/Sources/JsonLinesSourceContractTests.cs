using BatchKit.Testing;
using BatchKit.Tests.Support;

namespace BatchKit.Tests.Sources;

/// <summary>The source contract (BatchKit.Testing) for the JSON Lines source.</summary>
public sealed class JsonLinesSourceContractTests : SourceContract<Item>, IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    protected override (ISource<Item> Source, Partition Partition) CreateInput()
    {
        var path = _dir.File("good.jsonl");
        File.WriteAllLines(path, Enumerable.Range(1, 25).Select(i => $"{{\"id\":{i},\"name\":\"n{i}\",\"value\":{i % 7}}}"));
        return (new JsonLinesSource<Item>(options: Items.Json), new Partition(0, "good", PartitionDescriptor.File(path)));
    }

    protected override (ISource<Item> Source, Partition Partition, IReadOnlyList<long> BadRecordOffsets) CreateInputWithBadRecords()
    {
        var path = _dir.File("bad.jsonl");
        File.WriteAllLines(path, Enumerable.Range(1, 20).Select(i => i switch
        {
            4 => "{\"id\":\"four\"}",
            11 => "{broken",
            20 => "[1,2]",
            _ => $"{{\"id\":{i},\"name\":\"n{i}\",\"value\":{i % 7}}}",
        }));
        return (new JsonLinesSource<Item>(options: Items.Json), new Partition(0, "bad", PartitionDescriptor.File(path)), [4, 11, 20]);
    }
}
