using BatchKit.Benchmarks.Support;
using BatchKit.Parquet;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Parquet;
using Parquet.Schema;

namespace BatchKit.Benchmarks;

/// <summary>
/// Parquet throughput: <see cref="ParquetSource{T}"/> reading every row of a 2M-row file (long, long, string, double;
/// row groups of 262,144 rows, snappy) with the compiled property map and with an <see cref="IParquetRowMapper{T}"/>,
/// against Parquet.Net used directly (decode each row group column by column, then build the same records into the same
/// 1000-record buffers; and the column decoding alone). <see cref="ParquetSink{T}"/> writing the same rows in chunks of
/// 1000 against a direct <see cref="ParquetWriter"/> with the same row group size, codec and final flush to disk.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Config))]
[SimpleJob(warmupCount: 2, iterationCount: 5)]
public class ParquetBenchmark
{
    private const int ReadRowGroupSize = 262_144;
    private const int WriteRowGroupSize = 128 * 1024;
    private const int BufferSize = 1000;
    private static readonly RunKey RunKey = new("parquet-benchmark", RunParameters.Empty);

    private readonly ParquetRow[] _buffer = new ParquetRow[BufferSize];
    private TempDirectory? _directory;
    private ParquetRow[] _rows = [];
    private string _inputPath = string.Empty;
    private Partition _inputPartition = null!;
    private ParquetSource<ParquetRow> _mapSource = null!;
    private ParquetSource<ParquetRow> _mapperSource = null!;
    private ParquetSink<ParquetRow> _sink = null!;
    private Partition _outputPartition = null!;

    [Params(2_000_000)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = new TempDirectory("batchkit-parquet-bench");
        var names = Enumerable.Range(0, 50_000).Select(i => "customer-" + i.ToString("D5", System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        _rows = new ParquetRow[N];
        for (var i = 0; i < N; i++)
        {
            _rows[i] = new ParquetRow(i, (i * 7919L) % 50_000, names[(i * 31) % names.Length], (i % 10_000) * 0.01);
        }

        _inputPath = _directory.File("input.parquet");
        WriteDirectAsync(_inputPath, ReadRowGroupSize, flushToDisk: false).GetAwaiter().GetResult();
        _inputPartition = new Partition(0, "file-0000", PartitionDescriptor.File(_inputPath));
        _mapSource = new ParquetSource<ParquetRow>(new ParquetRecordMap<ParquetRow>());
        _mapperSource = new ParquetSource<ParquetRow>(new RowMapper());
        _sink = new ParquetSink<ParquetRow>(_directory.File("out"), new ParquetSinkOptions { RowGroupSize = WriteRowGroupSize });
        _outputPartition = new Partition(0, "sink-output", "all");

        var expected = _rows.Sum(r => r.Id + r.Name.Length);
        Check(DirectColumnsOnlyAsync().GetAwaiter().GetResult(), expected, nameof(DirectColumnsOnlyAsync));
        Check(DirectRecordsAsync().GetAwaiter().GetResult(), expected, nameof(DirectRecordsAsync));
        Check(SourceRecordMapAsync().GetAwaiter().GetResult(), expected, nameof(SourceRecordMapAsync));
        Check(SourceRowMapperAsync().GetAwaiter().GetResult(), expected, nameof(SourceRowMapperAsync));
        SinkWriteAsync().GetAwaiter().GetResult();
        Check(ReadBackAsync(_sink.GetFilePath(RunKey, _outputPartition)).GetAwaiter().GetResult(), expected, "the sink's file");
    }

    [GlobalCleanup]
    public void Cleanup() => _directory?.Dispose();

    [Benchmark]
    [BenchmarkCategory("Read")]
    public async Task<long> DirectColumnsOnlyAsync()
    {
        await using var reader = await ParquetReader.CreateAsync(_inputPath);
        var fields = reader.Schema.DataFields;
        var ids = new long[ReadRowGroupSize];
        var users = new long[ReadRowGroupSize];
        var names = new string?[ReadRowGroupSize];
        var amounts = new double[ReadRowGroupSize];
        var check = 0L;
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var rowGroup = reader.OpenRowGroupReader(g);
            var count = (int)rowGroup.RowCount;
            await rowGroup.ReadAsync(fields[0], ids.AsMemory(0, count));
            await rowGroup.ReadAsync(fields[1], users.AsMemory(0, count));
            await rowGroup.ReadAsync(fields[2], names.AsMemory(0, count));
            await rowGroup.ReadAsync(fields[3], amounts.AsMemory(0, count));
            for (var i = 0; i < count; i++)
            {
                check += ids[i] + names[i]!.Length;
            }
        }

        return check;
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Read")]
    public async Task<long> DirectRecordsAsync()
    {
        await using var reader = await ParquetReader.CreateAsync(_inputPath);
        var fields = reader.Schema.DataFields;
        var ids = new long[ReadRowGroupSize];
        var users = new long[ReadRowGroupSize];
        var names = new string?[ReadRowGroupSize];
        var amounts = new double[ReadRowGroupSize];
        var buffer = _buffer;
        var check = 0L;
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var rowGroup = reader.OpenRowGroupReader(g);
            var count = (int)rowGroup.RowCount;
            await rowGroup.ReadAsync(fields[0], ids.AsMemory(0, count));
            await rowGroup.ReadAsync(fields[1], users.AsMemory(0, count));
            await rowGroup.ReadAsync(fields[2], names.AsMemory(0, count));
            await rowGroup.ReadAsync(fields[3], amounts.AsMemory(0, count));
            for (var start = 0; start < count; start += buffer.Length)
            {
                var n = Math.Min(buffer.Length, count - start);
                for (var i = 0; i < n; i++)
                {
                    var row = start + i;
                    buffer[i] = new ParquetRow(ids[row], users[row], names[row]!, amounts[row]);
                }

                check += Consume(buffer, n);
            }
        }

        return check;
    }

    [Benchmark]
    [BenchmarkCategory("Read")]
    public Task<long> SourceRecordMapAsync() => ReadSourceAsync(_mapSource);

    [Benchmark]
    [BenchmarkCategory("Read")]
    public Task<long> SourceRowMapperAsync() => ReadSourceAsync(_mapperSource);

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Write")]
    public Task DirectWriteAsync() => WriteDirectAsync(_directory!.File("direct.parquet"), WriteRowGroupSize, flushToDisk: true);

    [Benchmark]
    [BenchmarkCategory("Write")]
    public async Task SinkWriteAsync()
    {
        await using var writer = await _sink.OpenAsync(new SinkContext(RunKey, _outputPartition, null), CancellationToken.None);
        for (var start = 0; start < _rows.Length; start += BufferSize)
        {
            await writer.WriteAsync(_rows.AsMemory(start, Math.Min(BufferSize, _rows.Length - start)), CancellationToken.None);
            await writer.CommitAsync(CancellationToken.None);
        }

        await writer.CompleteAsync(CancellationToken.None);
    }

    private static long Consume(ParquetRow[] buffer, int count)
    {
        var check = 0L;
        for (var i = 0; i < count; i++)
        {
            check += buffer[i].Id + buffer[i].Name.Length;
        }

        return check;
    }

    private static void Check(long actual, long expected, string what)
    {
        if (actual != expected)
        {
            throw new InvalidOperationException($"{what} read checksum {actual}, expected {expected}.");
        }
    }

    private static async Task<long> ReadBackAsync(string path)
    {
        var source = new ParquetSource<ParquetRow>();
        await using var reader = await source.OpenAsync(new SourceContext(RunKey, new Partition(0, "check", PartitionDescriptor.File(path)), 0), CancellationToken.None);
        var buffer = new ParquetRow[BufferSize];
        var check = 0L;
        int n;
        while ((n = await reader.ReadAsync(buffer, CancellationToken.None)) > 0)
        {
            check += Consume(buffer, n);
        }

        return check;
    }

    private async Task<long> ReadSourceAsync(ParquetSource<ParquetRow> source)
    {
        await using var reader = await source.OpenAsync(new SourceContext(RunKey, _inputPartition, 0), CancellationToken.None);
        var buffer = _buffer;
        var check = 0L;
        int n;
        while ((n = await reader.ReadAsync(buffer, CancellationToken.None)) > 0)
        {
            check += Consume(buffer, n);
        }

        return check;
    }

    /// <summary>Writes the rows with Parquet.Net directly, the way the sink lays them out (snake_case names, required values, optional string).</summary>
    private async Task WriteDirectAsync(string path, int rowGroupSize, bool flushToDisk)
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
        await using var stream = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16, useAsync: true);
        await using (var writer = await ParquetWriter.CreateAsync(schema, stream, new ParquetOptions { CompressionMethod = CompressionMethod.Snappy }))
        {
            for (var start = 0; start < _rows.Length; start += rowGroupSize)
            {
                var count = Math.Min(rowGroupSize, _rows.Length - start);
                for (var i = 0; i < count; i++)
                {
                    var row = _rows[start + i];
                    ids[i] = row.Id;
                    users[i] = row.UserId;
                    names[i] = row.Name.AsMemory();
                    amounts[i] = row.Amount;
                }

                using var rowGroup = writer.CreateRowGroup();
                await rowGroup.WriteAsync(id, new ReadOnlyMemory<long>(ids, 0, count));
                await rowGroup.WriteAsync(userId, new ReadOnlyMemory<long>(users, 0, count));
                await rowGroup.WriteAsync(name, new ReadOnlyMemory<ReadOnlyMemory<char>?>(names, 0, count));
                await rowGroup.WriteAsync(amount, new ReadOnlyMemory<double>(amounts, 0, count));
            }
        }

        if (flushToDisk)
        {
            await stream.FlushAsync();
            stream.Flush(flushToDisk: true);
        }
    }

    /// <summary>A record of the benchmark file.</summary>
    public sealed record ParquetRow(long Id, long UserId, string Name, double Amount);

    /// <summary>The <see cref="IParquetRowMapper{T}"/> fast path: builds records straight from the decoded arrays.</summary>
    private sealed class RowMapper : IParquetRowMapper<ParquetRow>
    {
        public IReadOnlyList<ParquetColumnBinding> Columns { get; } =
            [new("id", typeof(long)), new("user_id", typeof(long)), new("name", typeof(string)), new("amount", typeof(double))];

        public void Map(ParquetColumnBatch batch, int firstRow, Span<ParquetRow> destination)
        {
            var ids = batch.GetValues<long>(0);
            var users = batch.GetValues<long>(1);
            var names = batch.GetValues<string?>(2);
            var amounts = batch.GetValues<double>(3);
            for (var i = 0; i < destination.Length; i++)
            {
                var row = firstRow + i;
                destination[i] = new ParquetRow(ids[row], users[row], names[row]!, amounts[row]);
            }
        }
    }

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            Add(new PerRecordConfig());
            AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByCategory);
            AddColumn(BenchmarkDotNet.Columns.CategoriesColumn.Default);
        }
    }
}
