using Parquet;
using Parquet.Schema;

namespace BatchKit.Parquet.Tests;

public sealed class ParquetSourceTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task OpenAsync_SinkWrittenFileWithEveryType_ReadsRecordsBackEqual()
    {
        var records = Enumerable.Range(0, 2500).Select(AllTypes.Make).ToList();
        var sink = new ParquetSink<AllTypes>(_dir.Path, new ParquetSinkOptions { RowGroupSize = 1000 });
        var path = await TestSupport.WriteAsync(sink, new Partition(0, "all", "rows:0:1"), records);

        var (read, position) = await TestSupport.ReadAllAsync(new ParquetSource<AllTypes>(), TestSupport.FilePartition(path));

        read.Should().Equal(records);
        position.Should().Be(records.Count);
        read[1].CreatedAt.Kind.Should().Be(DateTimeKind.Utc);
        read.Count(r => r.Name is null).Should().Be(500);
        read.Count(r => r.MaybeDay is null).Should().Be(834);
    }

    [Fact]
    public async Task OpenAsync_ColumnNamesInSnakeCase_MatchPascalCaseProperties()
    {
        var path = _dir.File("snake.parquet");
        await WriteRawAsync(path, new ParquetOptions(), nullable: false, rows: 10);

        var (read, _) = await TestSupport.ReadAllAsync(new ParquetSource<RawRow>(), TestSupport.FilePartition(path));

        read.Should().HaveCount(10);
        read[7].Should().Be(RawRow.Expected(7));
    }

    [Fact]
    public async Task OpenAsync_MapOverride_ReadsTheNamedColumn()
    {
        var path = _dir.File("override.parquet");
        await WriteRawAsync(path, new ParquetOptions(), nullable: true, rows: 5);
        var map = new ParquetRecordMap<Row>().Map(r => r.Id, "user_id").Map(r => r.Name, "category");

        var (read, _) = await TestSupport.ReadAllAsync(new ParquetSource<Row>(map), TestSupport.FilePartition(path));

        read.Select(r => r.Name).Should().Equal(Enumerable.Range(0, 5).Select(i => RawRow.Expected(i).Category));
        read.Select(r => r.Id).Should().Equal(0L, 1L, 2L, 3L, 4L);
    }

    [Fact]
    public async Task OpenAsync_PositionalRecord_IsBuiltThroughItsConstructor()
    {
        var path = _dir.File("ctor.parquet");
        await WriteRawAsync(path, new ParquetOptions(), nullable: true, rows: 4);

        var (read, _) = await TestSupport.ReadAllAsync(new ParquetSource<Event>(), TestSupport.FilePartition(path));

        read.Should().Equal(Enumerable.Range(0, 4).Select(i => new Event(i, RawRow.Expected(i).Category, RawRow.Expected(i).CreatedAt)));
    }

    public static TheoryData<CompressionMethod, bool, bool> WriterConfigurations()
    {
        var data = new TheoryData<CompressionMethod, bool, bool>();
        foreach (var codec in Enum.GetValues<CompressionMethod>().Where(c => c != CompressionMethod.Lzo))
        {
            foreach (var dictionary in new[] { false, true })
            {
                foreach (var nullable in new[] { false, true })
                {
                    data.Add(codec, dictionary, nullable);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(WriterConfigurations))]
    public async Task OpenAsync_FileFromAnotherWriterConfiguration_ReadsEveryRow(CompressionMethod codec, bool dictionary, bool nullable)
    {
        var path = _dir.File("config.parquet");
        var options = new ParquetOptions { CompressionMethod = codec };
        if (dictionary)
        {
            options.ColumnEncodingHints["category"] = EncodingHint.Dictionary;
            options.ColumnEncodingHints["user_id"] = EncodingHint.DeltaBinaryPacked;
        }

        await WriteRawAsync(path, options, nullable, rows: 3000, rowGroups: 2);
        await using (var file = await ParquetReader.CreateAsync(path))
        {
            var meta = file.OpenRowGroupReader(0).GetMetadata(file.Schema.DataFields.First(f => f.Name == "category"))!.MetaData!;
            meta.Codec.ToString().Replace("_", string.Empty).Should().BeEquivalentTo(codec == CompressionMethod.None ? "UNCOMPRESSED" : codec.ToString());
            meta.Encodings!.Any(e => e.ToString().Contains("DICTIONARY", StringComparison.Ordinal)).Should().Be(dictionary);
        }

        var (read, position) = await TestSupport.ReadAllAsync(new ParquetSource<RawRow>(), TestSupport.FilePartition(path));

        position.Should().Be(3000);
        read.Should().Equal(Enumerable.Range(0, 3000).Select(RawRow.Expected));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(999)]
    [InlineData(1000)]
    [InlineData(1001)]
    [InlineData(2500)]
    [InlineData(3000)]
    [InlineData(3499)]
    [InlineData(3500)]
    public async Task OpenAsync_AtPosition_ContinuesWithTheNextRow(long position)
    {
        var records = Enumerable.Range(0, 3500).Select(AllTypes.Make).ToList();
        var sink = new ParquetSink<AllTypes>(_dir.Path, new ParquetSinkOptions { RowGroupSize = 1000 });
        var path = await TestSupport.WriteAsync(sink, new Partition(0, "resume", "rows:0:1"), records, chunk: 333);
        await using (var file = await ParquetReader.CreateAsync(path))
        {
            file.RowGroups.Select(g => g.RowCount).Should().Equal(1000L, 1000L, 1000L, 500L);
        }

        var (read, end) = await TestSupport.ReadAllAsync(new ParquetSource<AllTypes>(), TestSupport.FilePartition(path), position, chunk: 64);

        read.Should().Equal(records.Skip((int)position));
        end.Should().Be(3500);
    }

    [Fact]
    public async Task ReadAsync_StoppedAndReopenedAtPosition_ReturnsEveryRecordOnce()
    {
        var records = Enumerable.Range(0, 2300).Select(AllTypes.Make).ToList();
        var sink = new ParquetSink<AllTypes>(_dir.Path, new ParquetSinkOptions { RowGroupSize = 500 });
        var path = await TestSupport.WriteAsync(sink, new Partition(0, "stop", "rows:0:1"), records);
        var source = new ParquetSource<AllTypes>();
        var partition = TestSupport.FilePartition(path);
        var result = new List<AllTypes>();
        long position = 0;
        while (true)
        {
            await using var reader = await source.OpenAsync(new SourceContext(TestSupport.Run, partition, position), CancellationToken.None);
            var buffer = new AllTypes[170];
            var read = await reader.ReadAsync(buffer, CancellationToken.None);
            if (read == 0)
            {
                break;
            }

            result.AddRange(buffer.Take(read));
            position = reader.Position;
        }

        result.Should().Equal(records);
    }

    [Fact]
    public async Task OpenAsync_PositionPastTheEnd_ThrowsNamingTheFile()
    {
        var path = _dir.File("short.parquet");
        await WriteRawAsync(path, new ParquetOptions(), nullable: false, rows: 10);

        var act = () => TestSupport.ReadAllAsync(new ParquetSource<RawRow>(), TestSupport.FilePartition(path), position: 11);

        (await act.Should().ThrowAsync<InvalidDataException>()).Which.Message.Should().Contain(path).And.Contain("11");
    }

    [Fact]
    public async Task OpenAsync_MissingColumn_ThrowsNamingFileColumnExpectedAndFound()
    {
        var path = _dir.File("missing.parquet");
        await WriteRawAsync(path, new ParquetOptions(), nullable: false, rows: 3);
        var map = new ParquetRecordMap<Row>().Map(r => r.Id, "user_id").Map(r => r.Name, "label");

        var act = () => TestSupport.ReadAllAsync(new ParquetSource<Row>(map), TestSupport.FilePartition(path));

        var error = (await act.Should().ThrowAsync<ParquetSchemaException>()).Which;
        error.Message.Should().Contain(path).And.Contain("'label'").And.Contain("string").And.Contain("missing");
        error.FilePath.Should().Be(path);
        error.ColumnName.Should().Be("label");
        error.ExpectedType.Should().Be("string");
        error.FoundType.Should().Be("missing");
    }

    [Fact]
    public async Task OpenAsync_ColumnOfWrongType_ThrowsNamingFileColumnExpectedAndFound()
    {
        var path = _dir.File("wrong.parquet");
        await WriteRawAsync(path, new ParquetOptions(), nullable: true, rows: 3);
        var map = new ParquetRecordMap<Row>().Map(r => r.Id, "user_id").Ignore(r => r.Name).Map(r => r.Amount, "category");

        var act = () => TestSupport.ReadAllAsync(new ParquetSource<Row>(map), TestSupport.FilePartition(path));

        var error = (await act.Should().ThrowAsync<ParquetSchemaException>()).Which;
        error.Message.Should().Contain(path).And.Contain("'category'").And.Contain("expected double").And.Contain("found string (nullable)");
        error.ColumnName.Should().Be("category");
        error.ExpectedType.Should().Be("double");
        error.FoundType.Should().Be("string (nullable)");
    }

    [Fact]
    public async Task ReadAsync_NullInNonNullableProperty_ThrowsNamingFileColumnAndRow()
    {
        var path = _dir.File("nulls.parquet");
        var field = new DataField<long?>("id");
        await using (var stream = File.Create(path))
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(field), stream))
        {
            using var rowGroup = writer.CreateRowGroup();
            await rowGroup.WriteAsync(field, (ReadOnlyMemory<long?>)new long?[] { 1, 2, null, 4 });
        }

        var map = new ParquetRecordMap<Row>().Ignore(r => r.Name).Ignore(r => r.Amount);
        var act = () => TestSupport.ReadAllAsync(new ParquetSource<Row>(map), TestSupport.FilePartition(path));

        (await act.Should().ThrowAsync<InvalidDataException>()).Which.Message
            .Should().Contain(path).And.Contain("column 'id'").And.Contain("row 2").And.Contain("Row.Id");
    }

    [Fact]
    public async Task OpenAsync_CustomRowMapper_ReceivesDecodedColumns()
    {
        var path = _dir.File("custom.parquet");
        await WriteRawAsync(path, new ParquetOptions(), nullable: true, rows: 2000, rowGroups: 3);

        var (read, _) = await TestSupport.ReadAllAsync(new ParquetSource<(long, string?)>(new TupleMapper()), TestSupport.FilePartition(path), position: 5);

        read.Should().Equal(Enumerable.Range(5, 1995).Select(i => ((long)i, RawRow.Expected(i).Category)));
    }

    [Fact]
    public async Task OpenAsync_TimestampsInEveryUnit_ReadAsDateTimeAndDateTimeOffset()
    {
        var path = _dir.File("timestamps.parquet");
        var at = new DateTime(2023, 12, 31, 23, 59, 58, DateTimeKind.Utc).AddTicks(1_234_567);
        var fields = new DataField[]
        {
            new DateTimeDataField("ms", DateTimeFormat.Timestamp, true, DateTimeTimeUnit.Millis),
            new DateTimeDataField("us", DateTimeFormat.Timestamp, false, DateTimeTimeUnit.Micros),
            new DateTimeDataField("ns", DateTimeFormat.Timestamp, true, DateTimeTimeUnit.Nanos),
            new DateTimeDataField("int96", DateTimeFormat.Impala, true),
            new DateTimeDataField("as_offset", DateTimeFormat.Timestamp, true, DateTimeTimeUnit.Micros, isNullable: true),
            new DataField<DateOnly>("day"),
        };
        await using (var stream = File.Create(path))
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), stream))
        {
            using var rowGroup = writer.CreateRowGroup();
            for (var k = 0; k < 4; k++)
            {
                await rowGroup.WriteAsync(fields[k], (ReadOnlyMemory<DateTime>)new[] { at, at });
            }

            await rowGroup.WriteAsync(fields[4], (ReadOnlyMemory<DateTime?>)new DateTime?[] { at, null });
            await rowGroup.WriteAsync(fields[5], (ReadOnlyMemory<DateOnly>)new[] { new DateOnly(2024, 2, 29), new DateOnly(1970, 1, 1) });
        }

        var (read, _) = await TestSupport.ReadAllAsync(new ParquetSource<Times>(), TestSupport.FilePartition(path));

        read.Should().HaveCount(2);
        read[0].Ms.Should().Be(at.AddTicks(-4567));
        read[0].Ms.Kind.Should().Be(DateTimeKind.Utc);
        read[0].Us.Should().Be(at.AddTicks(-7));
        read[0].Us.Kind.Should().Be(DateTimeKind.Unspecified);
        read[0].Ns.Should().Be(at);
        read[0].Int96.Should().Be(at);
        read[0].AsOffset.Should().Be(new DateTimeOffset(at.AddTicks(-7)));
        read[1].AsOffset.Should().BeNull();
        read[0].Day.Should().Be(new DateTime(2024, 2, 29));
        read[1].Day.Should().Be(new DateTime(1970, 1, 1));
    }

    internal static async Task WriteRawAsync(string path, ParquetOptions options, bool nullable, int rows, int rowGroups = 1)
    {
        var fields = new DataField[]
        {
            new("user_id", typeof(long), nullable),
            new("small_count", typeof(int), nullable),
            new("amount", typeof(double), nullable),
            new("category", typeof(string), nullable),
            new("is_active", typeof(bool), nullable),
            new DateTimeDataField("created_at", DateTimeFormat.Timestamp, true, DateTimeTimeUnit.Micros, nullable),
            new("day", typeof(DateOnly), nullable),
        };
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), stream, options);
        var perGroup = (rows + rowGroups - 1) / rowGroups;
        for (var start = 0; start < rows; start += perGroup)
        {
            var expected = Enumerable.Range(start, Math.Min(perGroup, rows - start)).Select(RawRow.Expected).ToArray();
            using var rowGroup = writer.CreateRowGroup();
            await Column(rowGroup, fields[0], nullable, expected.Select(r => r.UserId));
            await Column(rowGroup, fields[1], nullable, expected.Select(r => r.SmallCount));
            await Column(rowGroup, fields[2], nullable, expected.Select(r => r.Amount));
            await rowGroup.WriteAsync(fields[3], (ReadOnlyMemory<ReadOnlyMemory<char>?>)expected.Select(r => r.Category?.AsMemory()).ToArray());
            await Column(rowGroup, fields[4], nullable, expected.Select(r => r.IsActive));
            await Column(rowGroup, fields[5], nullable, expected.Select(r => r.CreatedAt));
            await Column(rowGroup, fields[6], nullable, expected.Select(r => r.Day));
        }
    }

    private static Task Column<TValue>(ParquetRowGroupWriter rowGroup, DataField field, bool nullable, IEnumerable<TValue> values)
        where TValue : struct =>
        nullable
            ? rowGroup.WriteAsync(field, (ReadOnlyMemory<TValue?>)values.Select(v => (TValue?)v).ToArray())
            : rowGroup.WriteAsync(field, (ReadOnlyMemory<TValue>)values.ToArray());

    public sealed record RawRow(long UserId, int SmallCount, double Amount, string? Category, bool IsActive, DateTime CreatedAt, DateOnly Day)
    {
        public static RawRow Expected(int i) => new(
            i, i % 100, i * 1.5, i % 4 == 0 ? "cat-" + (i % 3) : "x", i % 2 == 1,
            new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(i).AddTicks(10), new DateOnly(2020, 1, 1).AddDays(i % 400));
    }

    public sealed class Times
    {
        public DateTime Ms { get; set; }
        public DateTime Us { get; set; }
        public DateTime Ns { get; set; }
        public DateTime Int96 { get; set; }
        public DateTimeOffset? AsOffset { get; set; }
        public DateTime Day { get; set; }
    }

    private sealed class TupleMapper : IParquetRowMapper<(long, string?)>
    {
        public IReadOnlyList<ParquetColumnBinding> Columns { get; } = [new("UserId", typeof(long)), new("category", typeof(string))];

        public void Map(ParquetColumnBatch batch, int firstRow, Span<(long, string?)> destination)
        {
            var ids = batch.GetValues<long>(0);
            var categories = batch.GetValues<string?>(1);
            for (var i = 0; i < destination.Length; i++)
            {
                destination[i] = (ids[firstRow + i], categories[firstRow + i]);
            }
        }
    }
}
