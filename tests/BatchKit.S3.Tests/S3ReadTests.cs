using System.Text;
using BatchKit.Csv;
using BatchKit.Parquet;
using BatchKit.S3;

namespace BatchKit.S3.Tests;

/// <summary>The JSON Lines, CSV and Parquet sources read objects through <see cref="S3InputOpener"/> exactly as they read the same files from disk.</summary>
public sealed class S3ReadTests(S3TestBucket bucket) : IClassFixture<S3TestBucket>
{
    private const int Rows = 30_000;
    private static readonly RunKey Run = new("s3-read", RunParameters.Empty);

    // Small blocks, so that every object is read through many ranged GETs.
    private S3InputOpener Opener => new(bucket.Client, blockSize: 64 << 10, readAheadBlocks: 2);

    private static Event Row(int i) => new(i, "name-" + i + (i % 7 == 0 ? ", with a comma" : string.Empty), i * 3);

    [Fact]
    public async Task JsonLines_FromS3_EqualsLocal_RecordForRecord_AndResumesByByteOffset()
    {
        using var folder = new TempFolder();
        var text = new StringBuilder();
        for (var i = 0; i < Rows; i++)
        {
            text.Append(i == 1234 ? "{\"id\": not json}" : $"{{\"id\":{i},\"name\":\"{Row(i).Name}\",\"value\":{i * 3}}}").Append('\n');
        }

        var path = folder.File("events.jsonl");
        await File.WriteAllTextAsync(path, text.ToString());
        await bucket.PutAsync("read/events.jsonl", await File.ReadAllBytesAsync(path));

        await AssertSameAsync(new JsonLinesSource<Event>(), new JsonLinesSource<Event>() { Opener = Opener }, path, bucket.Uri("read/events.jsonl"));
    }

    [Fact]
    public async Task Csv_FromS3_EqualsLocal_RecordForRecord_AndResumesByByteOffset()
    {
        using var folder = new TempFolder();
        var text = new StringBuilder("id,name,value\n");
        for (var i = 0; i < Rows; i++)
        {
            text.Append(i == 4321 ? "4321,bad,not-a-number" : $"{i},\"{Row(i).Name}\",{i * 3}").Append('\n');
        }

        var path = folder.File("events.csv");
        await File.WriteAllTextAsync(path, text.ToString());
        await bucket.PutAsync("read/events.csv", await File.ReadAllBytesAsync(path));

        await AssertSameAsync(new CsvSource<CsvEvent>(), new CsvSource<CsvEvent>() { Opener = Opener }, path, bucket.Uri("read/events.csv"), e => (e.Id, e.Name, e.Value));
    }

    [Fact]
    public async Task Parquet_FromS3_EqualsLocal_RecordForRecord_AndResumesByRow()
    {
        using var folder = new TempFolder();
        var sink = new ParquetSink<Event>(folder.Path, new ParquetSinkOptions { RowGroupSize = 4_000 });
        var partition = new Partition(0, "events", PartitionDescriptor.File("unused"));
        await using (var writer = await sink.OpenAsync(new SinkContext(Run, partition, null), CancellationToken.None))
        {
            await writer.WriteAsync(Enumerable.Range(0, Rows).Select(Row).ToArray(), CancellationToken.None);
            await writer.CompleteAsync(CancellationToken.None);
        }

        var path = sink.GetFilePath(Run, partition);
        await bucket.PutAsync("read/events.parquet", await File.ReadAllBytesAsync(path));

        await AssertSameAsync(new ParquetSource<Event>(), new ParquetSource<Event>() { Opener = Opener }, path, bucket.Uri("read/events.parquet"), oneBad: false);
    }

    [Fact]
    public async Task Open_MissingKey_FailsAtOnceNamingTheObject()
    {
        var source = new JsonLinesSource<Event>() { Opener = Opener };
        var open = () => source.OpenAsync(Context(bucket.Uri("read/missing.jsonl"), 0, []), CancellationToken.None).AsTask();
        var error = (await open.Should().ThrowAsync<S3StorageException>()).Which;
        error.Message.Should().Contain(bucket.Uri("read/missing.jsonl")).And.Contain("does not exist");
        error.IsTransient.Should().BeFalse();
    }

    [Fact]
    public async Task Read_ObjectReplacedWhileReading_FailsNamingIt()
    {
        var text = string.Concat(Enumerable.Range(0, 20_000).Select(i => $"{{\"id\":{i},\"name\":\"n\",\"value\":1}}\n"));
        await bucket.PutAsync("read/replaced.jsonl", text);
        var source = new JsonLinesSource<Event>() { Opener = new S3InputOpener(bucket.Client, blockSize: 64 << 10, readAheadBlocks: 0) };
        await using var reader = await source.OpenAsync(Context(bucket.Uri("read/replaced.jsonl"), 0, []), CancellationToken.None);
        var buffer = new Event[100];
        (await reader.ReadAsync(buffer, CancellationToken.None)).Should().Be(100);
        await bucket.PutAsync("read/replaced.jsonl", text.Replace("\"n\"", "\"m\""));

        var read = async () =>
        {
            while (await reader.ReadAsync(buffer, CancellationToken.None) > 0)
            {
            }
        };
        var error = (await read.Should().ThrowAsync<S3StorageException>()).Which;
        error.Message.Should().Contain(bucket.Uri("read/replaced.jsonl")).And.Contain("changed while it was read");
        error.IsTransient.Should().BeFalse();
    }

    private static SourceContext Context(string location, long position, List<ErrorRecordDraft> bad) =>
        new(Run, new Partition(0, "p", PartitionDescriptor.File(location)), position, bad.Add);

    private static async Task AssertSameAsync<T>(ISource<T> local, ISource<T> s3, string path, string uri, Func<T, object>? key = null, bool oneBad = true)
    {
        key ??= r => r!;
        var (expected, expectedBad, _) = await ReadAsync(local, path, 0, null);
        var (actual, actualBad, _) = await ReadAsync(s3, uri, 0, null);
        expected.Should().HaveCount(oneBad ? Rows - 1 : Rows);
        actual.Select(key).Should().Equal(expected.Select(key));
        if (!oneBad)
        {
            actualBad.Should().BeEmpty();
            expectedBad.Should().BeEmpty();
        }
        else
        {
            actualBad.Should().ContainSingle();
            actualBad[0].Reason.Should().Be(expectedBad[0].Reason.Replace(path, uri)).And.Contain(uri);
            actualBad[0].RawPayload.Should().Be(expectedBad[0].RawPayload);
            actualBad[0].Offset.Should().Be(expectedBad[0].Offset);
        }

        // Resume: stop after 12 345 records, reopen at the position, and read the rest: nothing twice, nothing skipped.
        var (head, _, position) = await ReadAsync(s3, uri, 0, 12_345);
        var (tail, _, _) = await ReadAsync(s3, uri, position, null);
        head.Concat(tail).Select(key).Should().Equal(expected.Select(key));
    }

    private static async Task<(List<T> Records, List<ErrorRecordDraft> Bad, long Position)> ReadAsync<T>(ISource<T> source, string location, long position, int? max)
    {
        var bad = new List<ErrorRecordDraft>();
        var records = new List<T>();
        await using var reader = await source.OpenAsync(Context(location, position, bad), CancellationToken.None);
        var buffer = new T[1000];
        while (max is null || records.Count < max)
        {
            var n = await reader.ReadAsync(buffer.AsMemory(0, Math.Min(buffer.Length, (max ?? int.MaxValue) - records.Count)), CancellationToken.None);
            if (n == 0)
            {
                break;
            }

            records.AddRange(buffer.Take(n));
        }

        return (records, bad, reader.Position);
    }
}
