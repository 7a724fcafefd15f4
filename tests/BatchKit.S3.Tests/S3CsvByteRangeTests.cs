using System.Collections.Concurrent;
using System.Text;
using BatchKit.Csv;
using BatchKit.S3;

namespace BatchKit.S3.Tests;

/// <summary>Large CSV objects split into byte ranges (<see cref="ByteRangePartitioner"/>) on a real radosgw.</summary>
public sealed class S3CsvByteRangeTests(S3TestBucket bucket) : IClassFixture<S3TestBucket>
{
    private const int BadRow = 7_777;
    private static readonly RunParameters Day = RunParameters.Of("date", new DateOnly(2026, 11, 22));

    private S3InputOpener Opener => new(bucket.Client, blockSize: 64 << 10, readAheadBlocks: 2);

    private CsvSource<Event> Ranged => new(new CsvSourceOptions { ReadByteRanges = true }) { Opener = Opener };

    // The header names the columns in another order than Event declares them; rows vary in length, some are quoted
    // (commas, doubled quotes), line breaks are LF or CR LF, and one value does not parse.
    private static string Text(int rows, Func<int, string?>? name = null)
    {
        var text = new StringBuilder("value,name,id\r\n");
        for (var i = 0; i < rows; i++)
        {
            var value = name?.Invoke(i) ?? (i % 4 == 0 ? $"\"n, \"\"{i}\"\" {new string('q', i % 17)}\"" : "n" + new string('n', i % 37));
            text.Append(i == BadRow ? "eleven" : (i % 11).ToString()).Append(',').Append(value).Append(',').Append(i).Append(i % 3 == 0 ? "\r\n" : "\n");
        }

        return text.ToString();
    }

    private async Task<List<Partition>> PlanAsync(string prefix, long bytesPerPartition) =>
        [.. await new ByteRangePartitioner(new S3ObjectPartitioner(bucket.Client, bucket.Uri(prefix), "*.csv"), bytesPerPartition, Opener)
            .PlanAsync(new PartitionPlanContext(new RunKey("csv-ranges", Day)), CancellationToken.None)];

    [Fact]
    public async Task Job_OverByteRangesOfOneObject_ReadsEveryRowOnce_AndTheBadRowOnce_NamingObjectByteAndColumn()
    {
        var text = Text(20_000);
        await bucket.PutAsync("csv-ranges/dt=2026-11-22/events.csv", text);
        var uri = bucket.Uri("csv-ranges/dt=2026-11-22/events.csv");
        var whole = await ReadAsync(new CsvSource<Event>() { Opener = Opener }, new Partition(0, "whole", PartitionDescriptor.File(uri)));
        whole.Records.Should().HaveCount(19_999);

        var partitioner = new ByteRangePartitioner(new S3ObjectPartitioner(bucket.Client, bucket.Uri("csv-ranges/dt={date}/"), "*.csv"), 100_000, Opener);
        var store = new InMemoryCheckpointStore();
        var rows = new ConcurrentQueue<Event>();
        var job = Job.Create("csv-ranges")
            .ReadFrom(Ranged)
            .PartitionBy(partitioner)
            .WriteTo(new DelegateSink<Event>(chunk =>
            {
                foreach (var e in chunk.Span)
                {
                    rows.Enqueue(e);
                }
            }))
            .WithCommitInterval(500)
            .UseCheckpointStore(store)
            .Build();
        var result = await new JobRunner(job).RunAsync(Day);

        result.Status.Should().Be(RunStatus.Completed);
        var plan = await partitioner.PlanAsync(new PartitionPlanContext(result.RunKey), CancellationToken.None);
        plan.Should().HaveCount((int)Math.Ceiling(Encoding.UTF8.GetByteCount(text) / 100_000.0));
        rows.OrderBy(e => e.Id).Should().Equal(whole.Records);
        var at = Encoding.UTF8.GetByteCount(text[..text.IndexOf("eleven,", StringComparison.Ordinal)]);
        var errors = await store.QueryErrorsAsync(new ErrorQuery(result.RunKey.Value), CancellationToken.None);
        errors.Should().ContainSingle().Which.Reason.Should().Be($"{uri}, row at byte {at}, column 'value': expected Int32, found 'eleven'");
    }

    [Fact]
    public async Task Ranges_OfSeveralSizes_IncludingSmallerThanALine_ReadTheRowsOfOneWholeRead_InOrder()
    {
        var text = Text(80);
        await bucket.PutAsync("csv-sizes/events.csv", text);
        var uri = bucket.Uri("csv-sizes/events.csv");
        var whole = await ReadAsync(new CsvSource<Event>() { Opener = Opener }, new Partition(0, "whole", PartitionDescriptor.File(uri)));
        whole.Records.Should().HaveCount(80);

        foreach (var size in new[] { 13, 500, 1_999 })
        {
            var records = new List<Event>();
            foreach (var partition in await PlanAsync("csv-sizes/", size))
            {
                var range = await ReadAsync(Ranged, partition);
                range.Bad.Should().BeEmpty();
                records.AddRange(range.Records);
            }

            records.Should().Equal(whole.Records, $"ranges of {size} bytes");
        }

        // A boundary exactly at a line start: that line is the first of the range beginning there.
        var boundary = Encoding.UTF8.GetByteCount(text[..text.IndexOf(",51\r\n", StringComparison.Ordinal)]);
        boundary = Encoding.UTF8.GetByteCount(text[..(text.LastIndexOf('\n', boundary) + 1)]);
        var head = await ReadAsync(Ranged, new Partition(0, "a", PartitionDescriptor.Bytes(uri, 0, boundary)));
        var tail = await ReadAsync(Ranged, new Partition(1, "b", PartitionDescriptor.Bytes(uri, boundary, text.Length)));
        tail.Records[0].Id.Should().Be(51);
        head.Records.Concat(tail.Records).Should().Equal(whole.Records);
    }

    [Fact]
    public async Task Range_ResumedAtItsPosition_ReadsExactlyTheRestOfTheRange()
    {
        await bucket.PutAsync("csv-resume/events.csv", Text(20_000));
        var range = new Partition(0, "r", PartitionDescriptor.Bytes(bucket.Uri("csv-resume/events.csv"), 250_001, 400_000));

        var all = await ReadAsync(Ranged, range);
        var (head, position) = await ReadWithPositionAsync(Ranged, range, 0, 1_234);
        var tail = await ReadAsync(Ranged, range, position);

        all.Records.Should().HaveCountGreaterThan(1_234);
        head.Concat(tail.Records).Should().Equal(all.Records);
    }

    [Fact]
    public async Task Range_HoldingARecordWithAQuotedLineBreak_FailsNamingObjectByteLineAndColumn()
    {
        var text = Text(3_000, i => i == 2_500 ? "\"first\nsecond\"" : null);
        await bucket.PutAsync("csv-multi/events.csv", text);
        var uri = bucket.Uri("csv-multi/events.csv");
        var at = Encoding.UTF8.GetByteCount(text[..text.IndexOf("\"first", StringComparison.Ordinal)]);
        at = Encoding.UTF8.GetByteCount(text[..(text.LastIndexOf('\n', at) + 1)]);

        var failures = new List<InvalidDataException>();
        foreach (var partition in await PlanAsync("csv-multi/", 20_000))
        {
            try
            {
                await ReadAsync(Ranged, partition);
            }
            catch (InvalidDataException ex)
            {
                failures.Add(ex);
            }
        }

        failures.Should().ContainSingle().Which.Message.Should()
            .StartWith($"{uri}, row at byte {at} (line 2502), column 'name': expected a value without line breaks").And.Contain("per file");
    }

    private static async Task<ReadResult> ReadAsync(CsvSource<Event> source, Partition partition, long position = 0)
    {
        var bad = new List<ErrorRecordDraft>();
        var (records, _) = await ReadWithPositionAsync(source, partition, position, int.MaxValue, bad);
        return new ReadResult(records, bad);
    }

    private static async Task<(List<Event> Records, long Position)> ReadWithPositionAsync(
        CsvSource<Event> source, Partition partition, long position, int max, List<ErrorRecordDraft>? bad = null)
    {
        var records = new List<Event>();
        await using var reader = await source.OpenAsync(new SourceContext(new RunKey("r", RunParameters.Empty), partition, position, e => bad?.Add(e)), CancellationToken.None);
        var buffer = new Event[1000];
        while (records.Count < max)
        {
            var n = await reader.ReadAsync(buffer.AsMemory(0, Math.Min(buffer.Length, max - records.Count)), CancellationToken.None);
            if (n == 0)
            {
                break;
            }

            records.AddRange(buffer.Take(n));
        }

        return (records, reader.Position);
    }

    private sealed record ReadResult(List<Event> Records, List<ErrorRecordDraft> Bad);
}
