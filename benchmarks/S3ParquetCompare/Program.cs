// Reads one Parquet file (long, long, string, double; snappy) three ways and prints rows/s of each:
//   local   ParquetSource<T> over the file on local disk
//   s3      ParquetSource<T> with S3InputOpener (ranged GETs) over the same bytes as an S3 object
//   direct  AWSSDK.S3 GetObject of the whole object into memory, then Parquet.Net column reads into the same records
// The S3 server comes from AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY.
//   dotnet run -c Release --project benchmarks/S3ParquetCompare -- [--rows 2000000] [--rounds 5] [--smoke]
using System.Diagnostics;
using System.Globalization;
using Amazon.S3;
using Amazon.S3.Model;
using BatchKit;
using BatchKit.Parquet;
using BatchKit.S3;
using Parquet;
using Parquet.Schema;

var rows = 2_000_000;
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

const int RowGroupSize = 262_144;
const int BufferSize = 1000;
var folder = Path.Combine(Path.GetTempPath(), "batchkit-s3-parquet-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(folder);
var path = Path.Combine(folder, "input.parquet");
using var s3 = S3ClientOptions.FromEnvironment().CreateClient();
var bucket = "bk-bench-" + Guid.NewGuid().ToString("N")[..16];
const string Key = "input.parquet";
try
{
    var expected = await WriteAsync(path, rows, RowGroupSize);
    await s3.PutBucketAsync(new PutBucketRequest { BucketName = bucket });
    await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = Key, FilePath = path, UseChunkEncoding = false });
    var size = new FileInfo(path).Length;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"file: {rows:N0} rows, {size / 1048576.0:F1} MiB, row groups of {RowGroupSize:N0}, snappy; bucket {bucket}; {Environment.ProcessorCount} cores; uptime: {File.ReadAllText("/proc/loadavg").Trim()}"));

    var local = new ParquetSource<Row>();
    var fromS3 = new ParquetSource<Row> { Opener = new S3InputOpener(s3) };
    var variants = new (string Name, Func<Task<long>> Run)[]
    {
        ("local (ParquetSource, file)", () => ReadSourceAsync(local, path)),
        ("s3 (ParquetSource + S3InputOpener)", () => ReadSourceAsync(fromS3, $"s3://{bucket}/{Key}")),
        ("direct (GetObject + Parquet.Net)", () => DirectAsync(s3, bucket, Key)),
    };
    var times = variants.Select(_ => new List<double>()).ToArray();
    foreach (var (name, run) in variants)
    {
        var check = await run(); // warm-up, and the checksum
        if (check != expected)
        {
            throw new InvalidOperationException($"{name} read checksum {check}, expected {expected}.");
        }
    }

    for (var round = 0; round < rounds; round++)
    {
        for (var v = 0; v < variants.Length; v++)
        {
            var clock = Stopwatch.StartNew();
            await variants[v].Run();
            times[v].Add(clock.Elapsed.TotalSeconds);
        }
    }

    var directMedian = Median(times[2]);
    for (var v = 0; v < variants.Length; v++)
    {
        var median = Median(times[v]);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{variants[v].Name,-36} median {median:F3} s  {rows / median / 1e6,6:F2} M rows/s  ({directMedian / median:F2}x direct)  runs: {string.Join(" ", times[v].Select(t => t.ToString("F3", CultureInfo.InvariantCulture)))}"));
    }

    Console.WriteLine($"uptime after: {File.ReadAllText("/proc/loadavg").Trim()}");
}
finally
{
    try
    {
        await s3.DeleteObjectAsync(bucket, Key);
        await s3.DeleteBucketAsync(bucket);
    }
    catch (AmazonS3Exception e)
    {
        Console.Error.WriteLine($"cleanup of bucket {bucket} failed: {e.Message}");
    }

    Directory.Delete(folder, recursive: true);
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
}

static long Consume(Row[] buffer, int count)
{
    var check = 0L;
    for (var i = 0; i < count; i++)
    {
        check += buffer[i].Id + buffer[i].Name.Length;
    }

    return check;
}

static async Task<long> ReadSourceAsync(ParquetSource<Row> source, string location)
{
    var context = new SourceContext(new RunKey("s3-parquet-bench", RunParameters.Empty), new Partition(0, "input", PartitionDescriptor.File(location)), 0);
    await using var reader = await source.OpenAsync(context, CancellationToken.None);
    var buffer = new Row[BufferSize];
    var check = 0L;
    int n;
    while ((n = await reader.ReadAsync(buffer, CancellationToken.None)) > 0)
    {
        check += Consume(buffer, n);
    }

    return check;
}

// The path without BatchKit: the whole object in one GET, then the same column reads and record building.
static async Task<long> DirectAsync(IAmazonS3 s3, string bucket, string key)
{
    using var response = await s3.GetObjectAsync(bucket, key);
    var memory = new MemoryStream(checked((int)response.ContentLength));
    await response.ResponseStream.CopyToAsync(memory);
    memory.Position = 0;
    await using var reader = await ParquetReader.CreateAsync(memory);
    var fields = reader.Schema.DataFields;
    var ids = new long[RowGroupSize];
    var users = new long[RowGroupSize];
    var names = new string?[RowGroupSize];
    var amounts = new double[RowGroupSize];
    var buffer = new Row[BufferSize];
    var check = 0L;
    for (var g = 0; g < reader.RowGroupCount; g++)
    {
        using var rowGroup = reader.OpenRowGroupReader(g);
        var count = (int)rowGroup.RowCount;
        await rowGroup.ReadAsync(fields[0], ids.AsMemory(0, count));
        await rowGroup.ReadAsync(fields[1], users.AsMemory(0, count));
        await rowGroup.ReadAsync(fields[2], names.AsMemory(0, count));
        await rowGroup.ReadAsync(fields[3], amounts.AsMemory(0, count));
        for (var start = 0; start < count; start += BufferSize)
        {
            var n = Math.Min(BufferSize, count - start);
            for (var i = 0; i < n; i++)
            {
                var row = start + i;
                buffer[i] = new Row(ids[row], users[row], names[row]!, amounts[row]);
            }

            check += Consume(buffer, n);
        }
    }

    return check;
}

static async Task<long> WriteAsync(string path, int rows, int rowGroupSize)
{
    var id = new DataField<long>("id");
    var userId = new DataField<long>("user_id");
    var name = new DataField("name", typeof(string), isNullable: true);
    var amount = new DataField<double>("amount");
    var schema = new ParquetSchema(id, userId, name, amount);
    var ids = new long[rowGroupSize];
    var users = new long[rowGroupSize];
    var names = new ReadOnlyMemory<char>?[rowGroupSize];
    var amounts = new double[rowGroupSize];
    var check = 0L;
    await using var stream = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16);
    await using var writer = await ParquetWriter.CreateAsync(schema, stream, new ParquetOptions { CompressionMethod = CompressionMethod.Snappy });
    for (var start = 0; start < rows; start += rowGroupSize)
    {
        var count = Math.Min(rowGroupSize, rows - start);
        for (var i = 0; i < count; i++)
        {
            var r = start + i;
            var text = "customer-" + ((r * 31) % 50_000).ToString("D5", CultureInfo.InvariantCulture);
            ids[i] = r;
            users[i] = (r * 7919L) % 50_000;
            names[i] = text.AsMemory();
            amounts[i] = (r % 10_000) * 0.01;
            check += r + text.Length;
        }

        using var rowGroup = writer.CreateRowGroup();
        await rowGroup.WriteAsync(id, new ReadOnlyMemory<long>(ids, 0, count));
        await rowGroup.WriteAsync(userId, new ReadOnlyMemory<long>(users, 0, count));
        await rowGroup.WriteAsync(name, new ReadOnlyMemory<ReadOnlyMemory<char>?>(names, 0, count));
        await rowGroup.WriteAsync(amount, new ReadOnlyMemory<double>(amounts, 0, count));
    }

    return check;
}

/// <summary>A record of the benchmark file.</summary>
internal sealed record Row(long Id, long UserId, string Name, double Amount);
