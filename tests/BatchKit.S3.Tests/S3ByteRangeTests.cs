using System.Collections.Concurrent;
using System.Text;
using BatchKit.S3;

namespace BatchKit.S3.Tests;

/// <summary>Large JSON Lines objects split into byte ranges (<see cref="ByteRangePartitioner"/>) on a real radosgw.</summary>
public sealed class S3ByteRangeTests(S3TestBucket bucket) : IClassFixture<S3TestBucket>
{
    private const int Lines = 30_000;
    private const int BadLine = 17_777;
    private static readonly RunParameters Day = RunParameters.Of("date", new DateOnly(2026, 11, 22));

    private S3InputOpener Opener => new(bucket.Client, blockSize: 64 << 10, readAheadBlocks: 2);

    // Lines of varying length, so range boundaries fall inside lines, on line starts and on newlines.
    private static string Text()
    {
        var text = new StringBuilder();
        for (var i = 0; i < Lines; i++)
        {
            text.Append(i == BadLine ? "{\"id\": not json}" : $"{{\"id\":{i},\"name\":\"{new string('n', i % 37)}\",\"value\":{i % 11}}}").Append('\n');
        }

        return text.ToString();
    }

    [Fact]
    public async Task ByteRanges_OfOneObject_ReadEveryLineOnce_AndTheBadLineOnce_NamingObjectAndByteOffset()
    {
        var text = Text();
        await bucket.PutAsync("ranges/dt=2026-11-22/events.jsonl", text);
        var objects = new S3ObjectPartitioner(bucket.Client, bucket.Uri("ranges/dt={date}/"), "*.jsonl");
        var partitioner = new ByteRangePartitioner(objects, 100_000, Opener);

        var plan = await partitioner.PlanAsync(new PartitionPlanContext(new RunKey("ranges", Day)), CancellationToken.None);
        var size = Encoding.UTF8.GetByteCount(text);
        plan.Should().HaveCount((int)Math.Ceiling(size / 100_000.0));
        plan[0].Id.Should().Be("events-b-0000");
        plan[1].Descriptor.Should().Be($"bytes:100000:200000:{bucket.Uri("ranges/dt=2026-11-22/events.jsonl")}");
        plan.Select(p => p.InputIdentity).Distinct().Should().ContainSingle().Which.Should().NotBeNull();

        var store = new InMemoryCheckpointStore();
        var rows = new ConcurrentQueue<Event>();
        var job = Job.Create("ranges")
            .ReadFrom(new JsonLinesSource<Event>() { Opener = Opener })
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
        rows.Select(e => e.Id).Order().Should().Equal(Enumerable.Range(0, Lines).Where(i => i != BadLine).Select(i => (long)i));
        var errors = await store.QueryErrorsAsync(new ErrorQuery(result.RunKey.Value), CancellationToken.None);
        var offset = Encoding.UTF8.GetByteCount(string.Concat(text.Split('\n').Take(BadLine).Select(l => l + "\n")));
        errors.Should().ContainSingle().Which.Reason.Should().Contain(bucket.Uri("ranges/dt=2026-11-22/events.jsonl")).And.Contain($"line at byte {offset}");
    }

    [Fact]
    public async Task ByteRange_ResumedAtItsPosition_ReadsExactlyTheRestOfTheRange()
    {
        var text = Text();
        await bucket.PutAsync("ranges-resume/events.jsonl", text);
        var uri = bucket.Uri("ranges-resume/events.jsonl");
        var source = new JsonLinesSource<Event>() { Opener = Opener };
        var range = new Partition(0, "r", PartitionDescriptor.Bytes(uri, 250_001, 400_000));

        var all = await ReadAsync(source, range, 0, int.MaxValue);
        var (head, position) = await ReadWithPositionAsync(source, range, 0, 1_234);
        var tail = await ReadAsync(source, range, position, int.MaxValue);

        all.Should().NotBeEmpty();
        head.Concat(tail).Should().Equal(all);

        // The range owns the lines that begin inside it: the first begins at or after byte 250,001, the last before 400,000.
        var starts = new List<long>();
        for (long i = 0, at = 0; i < Lines; i++)
        {
            starts.Add(at);
            at = text.IndexOf('\n', (int)at) + 1;
        }

        var expected = Enumerable.Range(0, Lines).Where(i => starts[i] >= 250_001 && starts[i] < 400_000 && i != BadLine).Select(i => (long)i);
        all.Select(e => e.Id).Should().Equal(expected);
    }

    private static async Task<List<Event>> ReadAsync(JsonLinesSource<Event> source, Partition partition, long position, int max) =>
        (await ReadWithPositionAsync(source, partition, position, max)).Records;

    private static async Task<(List<Event> Records, long Position)> ReadWithPositionAsync(JsonLinesSource<Event> source, Partition partition, long position, int max)
    {
        var records = new List<Event>();
        await using var reader = await source.OpenAsync(new SourceContext(new RunKey("r", RunParameters.Empty), partition, position, _ => { }), CancellationToken.None);
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
}
