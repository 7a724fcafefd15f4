using BatchKit.Csv;
using BatchKit.S3;
using BatchKit.Testing;

namespace BatchKit.S3.Tests;

/// <summary>The source contract (BatchKit.Testing) for the JSON Lines source reading objects from radosgw through <see cref="S3InputOpener"/>.</summary>
public sealed class S3JsonLinesSourceContractTests(S3TestBucket bucket) : SourceContract<Event>, IClassFixture<S3TestBucket>, IAsyncLifetime
{
    private readonly string _prefix = "source-contract-" + Guid.NewGuid().ToString("N")[..12] + "/";

    public async Task InitializeAsync()
    {
        await bucket.PutAsync(_prefix + "good.jsonl", string.Concat(Enumerable.Range(1, 25).Select(i => $"{{\"id\":{i},\"name\":\"n{i}\",\"value\":{i % 7}}}\n")));
        await bucket.PutAsync(_prefix + "bad.jsonl", string.Concat(Enumerable.Range(1, 20).Select(i => (i switch
        {
            4 => "{\"id\":\"four\"}",
            11 => "{broken",
            _ => $"{{\"id\":{i},\"name\":\"n{i}\",\"value\":{i % 7}}}",
        }) + "\n")));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    protected override (ISource<Event> Source, Partition Partition) CreateInput() =>
        (new JsonLinesSource<Event>() { Opener = new S3InputOpener(bucket.Client) }, new Partition(0, "good", PartitionDescriptor.File(bucket.Uri(_prefix + "good.jsonl"))));

    protected override (ISource<Event> Source, Partition Partition, IReadOnlyList<long> BadRecordOffsets) CreateInputWithBadRecords() =>
        (new JsonLinesSource<Event>() { Opener = new S3InputOpener(bucket.Client) }, new Partition(0, "bad", PartitionDescriptor.File(bucket.Uri(_prefix + "bad.jsonl"))), [4, 11]);
}

/// <summary>The source contract (BatchKit.Testing) for the CSV source reading objects from radosgw through <see cref="S3InputOpener"/>.</summary>
public sealed class S3CsvSourceContractTests(S3TestBucket bucket) : SourceContract<Event>, IClassFixture<S3TestBucket>, IAsyncLifetime
{
    private readonly string _prefix = "source-contract-" + Guid.NewGuid().ToString("N")[..12] + "/";

    public async Task InitializeAsync()
    {
        await bucket.PutAsync(_prefix + "good.csv", "Id,Name,Value\n" + string.Concat(Enumerable.Range(1, 25).Select(i => $"{i},n{i},{i % 7}\n")));
        await bucket.PutAsync(_prefix + "bad.csv", "Id,Name,Value\n" + string.Concat(Enumerable.Range(1, 20).Select(i => i switch
        {
            6 => "six,n6,6\n",
            13 => "13,n13\n",
            _ => $"{i},n{i},{i % 7}\n",
        })));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    protected override (ISource<Event> Source, Partition Partition) CreateInput() =>
        (new CsvSource<Event>() { Opener = new S3InputOpener(bucket.Client) }, new Partition(0, "good", PartitionDescriptor.File(bucket.Uri(_prefix + "good.csv"))));

    // Offsets are file lines: the header is line 1.
    protected override (ISource<Event> Source, Partition Partition, IReadOnlyList<long> BadRecordOffsets) CreateInputWithBadRecords() =>
        (new CsvSource<Event>() { Opener = new S3InputOpener(bucket.Client) }, new Partition(0, "bad", PartitionDescriptor.File(bucket.Uri(_prefix + "bad.csv"))), [7, 14]);
}
