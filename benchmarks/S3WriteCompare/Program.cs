// Writes the same records as one JSON Lines object three ways and prints MB/s of each:
//   sink       S3JsonLinesSink<T>: serialized as written, sent as 8 MiB multipart parts while the partition runs,
//              completed and published (conditional manifest PUT) when it commits
//   put        the same bytes serialized into memory first, then one PutObject
//   multipart  the same bytes from memory as a plain multipart upload of 8 MiB parts, no BatchKit (the wire cost of
//              parts alone)
// The S3 server comes from AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY.
//   dotnet run -c Release --project benchmarks/S3WriteCompare -- [--rows 1000000] [--rounds 5] [--smoke]
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using BatchKit;
using BatchKit.S3;

var rows = 1_000_000;
var rounds = 5;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--rows": rows = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--rounds": rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--smoke": rows = 20_000; rounds = 1; break;
        default: throw new ArgumentException($"unknown option '{args[i]}': expected --rows N, --rounds R or --smoke");
    }
}

const int BufferSize = 1000;
const int PartSize = 8 << 20;
var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
using var s3 = S3ClientOptions.FromEnvironment().CreateClient();
var bucket = "bk-bench-" + Guid.NewGuid().ToString("N")[..16];
await s3.PutBucketAsync(new PutBucketRequest { BucketName = bucket });
try
{
    var records = Enumerable.Range(0, rows).Select(Make).ToArray();
    var bytes = Serialize(records, json);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"records: {rows:N0}, {bytes.Length / 1048576.0:F1} MiB of JSON Lines, parts of {PartSize >> 20} MiB; bucket {bucket}; {Environment.ProcessorCount} cores; uptime: {File.ReadAllText("/proc/loadavg").Trim()}"));

    var round = 0;
    var variants = new (string Name, Func<Task<long>> Run)[]
    {
        ("sink (S3JsonLinesSink, multipart + manifest)", () => SinkAsync(s3, bucket, records, json, round)),
        ("put (serialize in memory, one PutObject)", () => PutAsync(s3, bucket, records, json)),
        ("multipart (same bytes, plain multipart upload)", () => MultipartAsync(s3, bucket, bytes)),
    };
    foreach (var (name, run) in variants)
    {
        var size = await run(); // warm-up, and the size check
        if (size != bytes.Length)
        {
            throw new InvalidOperationException($"{name} wrote {size} bytes, expected {bytes.Length}.");
        }
    }

    var times = variants.Select(_ => new List<double>()).ToArray();
    for (round = 1; round <= rounds; round++)
    {
        for (var v = 0; v < variants.Length; v++)
        {
            var clock = Stopwatch.StartNew();
            await variants[v].Run();
            times[v].Add(clock.Elapsed.TotalSeconds);
        }
    }

    var putMedian = Median(times[1]);
    for (var v = 0; v < variants.Length; v++)
    {
        var median = Median(times[v]);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{variants[v].Name,-48} median {median:F3} s  {bytes.Length / median / 1048576.0,7:F1} MiB/s  ({putMedian / median:F2}x put)  runs: {string.Join(" ", times[v].Select(t => t.ToString("F3", CultureInfo.InvariantCulture)))}"));
    }

    Console.WriteLine($"uptime after: {File.ReadAllText("/proc/loadavg").Trim()}");
}
finally
{
    await EmptyAndDeleteAsync(s3, bucket);
}

static Row Make(int r) => new(r, (r * 7919L) % 50_000, "customer-" + ((r * 31) % 50_000).ToString("D5", CultureInfo.InvariantCulture), (r % 10_000) * 0.01);

static byte[] Serialize(Row[] records, JsonSerializerOptions json)
{
    var memory = new MemoryStream();
    using (var writer = new Utf8JsonWriter(memory))
    {
        foreach (var record in records)
        {
            JsonSerializer.Serialize(writer, record, json);
            writer.Flush();
            writer.Reset();
            memory.WriteByte((byte)'\n');
        }
    }

    return memory.ToArray();
}

static async Task<long> SinkAsync(IAmazonS3 s3, string bucket, Row[] records, JsonSerializerOptions json, int round)
{
    var sink = new S3JsonLinesSink<Row>(s3, $"s3://{bucket}/sink/", json) { PartSize = PartSize };
    // Each round is a later epoch of the same partition (as a reprocess is): its publish removes the previous round's object.
    var runKey = new RunKey("s3-write-bench", RunParameters.Empty);
    var context = new SinkContext(runKey, new Partition(0, "p0", "bench"), null) { Fence = new FencingToken("bench", round + 1, _ => ValueTask.FromResult(true)) };
    await using (var writer = await sink.OpenAsync(context, CancellationToken.None))
    {
        for (var start = 0; start < records.Length; start += BufferSize)
        {
            await writer.WriteAsync(records.AsMemory(start, Math.Min(BufferSize, records.Length - start)), CancellationToken.None);
            if ((start / BufferSize) % 10 == 9)
            {
                await writer.CommitAsync(CancellationToken.None); // a checkpoint every 10,000 records, as a job would
            }
        }

        await writer.CommitAsync(CancellationToken.None);
        await writer.CompleteAsync(CancellationToken.None);
    }

    return (await sink.GetPublishedAsync(runKey, "p0"))!.Size;
}

static async Task<long> PutAsync(IAmazonS3 s3, string bucket, Row[] records, JsonSerializerOptions json)
{
    var bytes = Serialize(records, json);
    await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "put/p0.jsonl", InputStream = new MemoryStream(bytes), UseChunkEncoding = false });
    return bytes.Length;
}

static async Task<long> MultipartAsync(IAmazonS3 s3, string bucket, byte[] bytes)
{
    var key = "multipart/p0.jsonl";
    var upload = await s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = bucket, Key = key });
    var parts = new List<PartETag>();
    for (var offset = 0; offset < bytes.Length; offset += PartSize)
    {
        var length = Math.Min(PartSize, bytes.Length - offset);
        var part = await s3.UploadPartAsync(new UploadPartRequest
        {
            BucketName = bucket, Key = key, UploadId = upload.UploadId, PartNumber = parts.Count + 1,
            InputStream = new MemoryStream(bytes, offset, length, writable: false), PartSize = length, UseChunkEncoding = false,
        });
        parts.Add(new PartETag(parts.Count + 1, part.ETag));
    }

    await s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = bucket, Key = key, UploadId = upload.UploadId, PartETags = parts });
    return bytes.Length;
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
}

static async Task EmptyAndDeleteAsync(IAmazonS3 s3, string bucket)
{
    try
    {
        var request = new ListObjectsV2Request { BucketName = bucket };
        ListObjectsV2Response page;
        do
        {
            page = await s3.ListObjectsV2Async(request);
            foreach (var o in page.S3Objects ?? [])
            {
                await s3.DeleteObjectAsync(bucket, o.Key);
            }

            request.ContinuationToken = page.NextContinuationToken;
        }
        while (page.IsTruncated == true);
        await s3.DeleteBucketAsync(bucket);
    }
    catch (AmazonS3Exception e)
    {
        Console.Error.WriteLine($"cleanup of bucket {bucket} failed: {e.Message}");
    }
}

/// <summary>A record of the benchmark.</summary>
internal sealed record Row(long Id, long UserId, string Name, double Amount);
