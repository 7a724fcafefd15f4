using Parquet;

namespace BatchKit.Parquet.Tests;

public sealed class ParquetSinkTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(CompressionMethod.None)]
    [InlineData(CompressionMethod.Snappy)]
    [InlineData(CompressionMethod.Gzip)]
    [InlineData(CompressionMethod.Brotli)]
    [InlineData(CompressionMethod.LZ4)]
    [InlineData(CompressionMethod.Zstd)]
    [InlineData(CompressionMethod.Lz4Raw)]
    public async Task CompleteAsync_EveryCodecWithAndWithoutDictionary_ReadsBackEqual(CompressionMethod codec)
    {
        var records = Enumerable.Range(0, 1200).Select(AllTypes.Make).ToList();
        foreach (var dictionary in new[] { false, true })
        {
            var sink = new ParquetSink<AllTypes>(_dir.Path, new ParquetSinkOptions { Compression = codec, DictionaryEncodeStrings = dictionary, RowGroupSize = 700 });
            var path = await TestSupport.WriteAsync(sink, new Partition(0, $"c-{dictionary}", "rows:0:1"), records);

            await using (var file = await ParquetReader.CreateAsync(path))
            {
                var name = file.OpenRowGroupReader(0).GetMetadata(file.Schema.DataFields.First(f => f.Name == "name"))!.MetaData!;
                name.Encodings!.Any(e => e.ToString().Contains("DICTIONARY", StringComparison.Ordinal)).Should().Be(dictionary);
                file.Schema.DataFields.Select(f => f.Name).Should().StartWith(["id", "count", "amount", "ratio", "flag", "name", "price", "created_at"]);
            }

            var (read, _) = await TestSupport.ReadAllAsync(new ParquetSource<AllTypes>(), TestSupport.FilePartition(path));
            read.Should().Equal(records);
        }
    }

    [Fact]
    public async Task DisposeAsync_WithoutComplete_LeavesNoFileUnderTheFinalName()
    {
        var sink = new ParquetSink<AllTypes>(_dir.Path, new ParquetSinkOptions { RowGroupSize = 100 });
        var partition = new Partition(3, "crash", "rows:0:1");
        var finalPath = sink.GetFilePath(TestSupport.Run, partition);

        await using (var writer = await sink.OpenAsync(new SinkContext(TestSupport.Run, partition, null), CancellationToken.None))
        {
            await writer.WriteAsync(Enumerable.Range(0, 450).Select(AllTypes.Make).ToArray(), CancellationToken.None);
            await writer.CommitAsync(CancellationToken.None);
            Directory.GetFiles(_dir.Path).Should().ContainSingle().Which.Should().Be(finalPath + ".e0.partial");
        }

        File.Exists(finalPath).Should().BeFalse();
        Directory.GetFiles(_dir.Path).Should().BeEmpty();

        var records = Enumerable.Range(0, 300).Select(AllTypes.Make).ToList();
        await TestSupport.WriteAsync(sink, partition, records);
        var (read, _) = await TestSupport.ReadAllAsync(new ParquetSource<AllTypes>(), TestSupport.FilePartition(finalPath));
        read.Should().Equal(records);
    }

    [Fact]
    public async Task OpenAsync_OlderEpochFileAndOldOutput_AreReplacedByTheRerun()
    {
        var sink = new ParquetSink<Row>(_dir.Path);
        var partition = new Partition(0, "rerun", "rows:0:1");
        var finalPath = sink.GetFilePath(TestSupport.Run, partition);
        await TestSupport.WriteAsync(sink, partition, [new Row { Id = 1, Name = "old", Amount = 1 }]);
        File.WriteAllText(finalPath + ".e0.partial", "left by a killed process");

        var rows = Enumerable.Range(0, 10).Select(i => new Row { Id = i, Name = "new", Amount = i / 2.0 }).ToList();
        await TestSupport.WriteAsync(sink, partition, rows);

        Directory.GetFiles(_dir.Path).Should().Equal(finalPath);
        var (read, _) = await TestSupport.ReadAllAsync(new ParquetSource<Row>(), TestSupport.FilePartition(finalPath));
        read.Select(r => (r.Id, r.Name, r.Amount)).Should().Equal(rows.Select(r => (r.Id, r.Name, r.Amount)));
    }

    [Fact]
    public async Task CompleteAsync_CalledTwice_PublishesOnce()
    {
        var sink = new ParquetSink<Row>(_dir.Path, new ParquetSinkOptions { FileName = p => "out/" + p.Id + ".parquet" });
        var partition = new Partition(0, "twice", "rows:0:1");
        await using var writer = await sink.OpenAsync(new SinkContext(TestSupport.Run, partition, null), CancellationToken.None);
        await writer.WriteAsync(new[] { new Row { Id = 7 } }, CancellationToken.None);

        await writer.CompleteAsync(CancellationToken.None);
        await writer.CompleteAsync(CancellationToken.None);

        sink.GetFilePath(TestSupport.Run, partition).Should().Be(Path.Combine(_dir.Path, "out", "twice.parquet"));
        var (read, _) = await TestSupport.ReadAllAsync(new ParquetSource<Row>(), TestSupport.FilePartition(sink.GetFilePath(TestSupport.Run, partition)));
        read.Should().ContainSingle().Which.Id.Should().Be(7);
    }

    [Fact]
    public async Task CompleteAsync_EmptyPartition_WritesAReadableEmptyFile()
    {
        var sink = new ParquetSink<Row>(_dir.Path);
        var path = await TestSupport.WriteAsync(sink, new Partition(0, "empty", "rows:0:0"), []);

        var (read, position) = await TestSupport.ReadAllAsync(new ParquetSource<Row>(), TestSupport.FilePartition(path));

        read.Should().BeEmpty();
        position.Should().Be(0);
    }

    [Fact]
    public void Constructor_LzoCompression_Throws()
    {
        var act = () => new ParquetSink<Row>(_dir.Path, new ParquetSinkOptions { Compression = CompressionMethod.Lzo });

        act.Should().Throw<ArgumentException>().WithMessage("*ParquetSinkOptions.Compression must be a codec Parquet.Net can write (every one but Lzo), found Lzo.*");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void Constructor_RowGroupSizeBelowOne_ThrowsNamingPropertyExpectedAndFound(int rowGroupSize)
    {
        var act = () => new ParquetSink<Row>(_dir.Path, new ParquetSinkOptions { RowGroupSize = rowGroupSize });

        act.Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "options")
            .WithMessage($"The options of the Parquet sink of '{_dir.Path}' are not valid: ParquetSinkOptions.RowGroupSize must be at least 1, found {rowGroupSize}.*");
    }

    [Fact]
    public void Constructor_SeveralOptionsOutOfRange_ListsEveryFailure()
    {
        var act = () => new ParquetSink<Row>(_dir.Path, new ParquetSinkOptions { RowGroupSize = 0, Compression = CompressionMethod.Lzo });

        act.Should().Throw<ArgumentException>()
            .WithMessage("*ParquetSinkOptions.RowGroupSize must be at least 1, found 0. ParquetSinkOptions.Compression must be a codec Parquet.Net can write (every one but Lzo), found Lzo.*");
    }
}
