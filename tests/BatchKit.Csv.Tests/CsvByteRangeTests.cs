using System.Collections.Concurrent;
using System.Text;

namespace BatchKit.Csv.Tests;

/// <summary>CSV files split into byte ranges (<see cref="ByteRangePartitioner"/>) and read one range per partition.</summary>
public sealed class CsvByteRangeTests : IDisposable
{
    private const int Rows = 400;
    private const int BadRow = 123;
    private static readonly CsvSourceOptions Ranged = new() { ReadByteRanges = true };
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    // The header names the columns in another order than Row declares them, so a range that did not read the header
    // would bind the wrong columns. Rows vary in length, are quoted (commas, doubled quotes) or not, end in LF, CR LF or
    // a lone CR, and a blank line and a bad amount sit among them; the last row has no line break.
    public static string Text(int rows = Rows, Func<int, string?>? name = null)
    {
        var text = new StringBuilder("Amount,Name,Id\r\n");
        for (var i = 0; i < rows; i++)
        {
            var value = name?.Invoke(i) ?? (i % 5 == 0 ? $"\"n{i}, \"\"q\"\" {new string('x', i % 13)}\"" : "n" + new string('y', i % 29));
            var amount = i == BadRow ? "abc" : $"{i}.5";
            text.Append(amount).Append(',').Append(value).Append(',').Append(i);
            if (i < rows - 1)
            {
                text.Append((i % 7) switch { 0 => "\r\n", 3 => "\r", _ => "\n" });
            }

            if (i == 50)
            {
                text.Append('\n');
            }
        }

        return text.ToString();
    }

    public static async Task<List<Partition>> PlanAsync(string path, long bytesPerPartition) =>
        [.. await new ByteRangePartitioner(CsvFilePartitioner.ForFile(path), bytesPerPartition).PlanAsync(new PartitionPlanContext(SourceDriver.Run), CancellationToken.None)];

    public static async Task<ReadResult<T>> ReadRangeAsync<T>(ISource<T> source, Partition partition, long position = 0, int chunk = 64)
    {
        var bad = new List<ErrorRecordDraft>();
        var records = new List<T>();
        await using var reader = await source.OpenAsync(new SourceContext(SourceDriver.Run, partition, position, bad.Add), CancellationToken.None);
        var buffer = new T[chunk];
        int n;
        while ((n = await reader.ReadAsync(buffer, CancellationToken.None)) > 0)
        {
            records.AddRange(buffer.Take(n));
        }

        return new ReadResult<T>(records, bad, reader.Position);
    }

    private static Partition Range(string path, long start, long end, int index = 0) => new(index, "r" + index, PartitionDescriptor.Bytes(path, start, end));

    private static List<long> LineStarts(byte[] bytes)
    {
        var starts = new List<long> { 0 };
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == '\n' || (bytes[i] == '\r' && (i + 1 == bytes.Length || bytes[i + 1] != '\n')))
            {
                starts.Add(i + 1);
            }
        }

        return starts;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(37)]
    [InlineData(100)]
    [InlineData(1_000)]
    [InlineData(4_096)]
    public async Task Ranges_OfSeveralSizes_ReadTheRecordsOfOneWholeFileRead_InOrder_AndItsBadRowOnce(int size)
    {
        var path = _dir.Write("orders.csv", Text());
        var whole = await SourceDriver.ReadAllAsync(new CsvSource<Row>(), path);
        whole.Records.Should().HaveCount(Rows - 1);
        whole.Bad.Should().ContainSingle();

        var plan = await PlanAsync(path, size);
        plan.Should().HaveCount((int)Math.Ceiling(new FileInfo(path).Length / (double)size));
        var records = new List<Row>();
        var bad = new List<ErrorRecordDraft>();
        foreach (var partition in plan)
        {
            var range = await ReadRangeAsync(new CsvSource<Row>(Ranged), partition);
            records.AddRange(range.Records);
            bad.AddRange(range.Bad);
        }

        records.Should().Equal(whole.Records);
        bad.Select(b => b.RawPayload).Should().Equal(whole.Bad.Select(b => b.RawPayload));
    }

    [Fact]
    public async Task Ranges_BoundaryExactlyAtALineStart_GiveThatLineToTheRangeItBegins()
    {
        var path = _dir.Write("orders.csv", Text());
        var bytes = await File.ReadAllBytesAsync(path);
        var whole = await SourceDriver.ReadAllAsync(new CsvSource<Row>(), path);
        var starts = LineStarts(bytes);

        // Line 201 of the file holds row 198 (the header and the blank line after row 50 come first).
        var boundary = starts[200];
        Encoding.UTF8.GetString(bytes, (int)boundary, 6).Should().StartWith("198.5,");
        foreach (var cut in new[] { boundary - 1, boundary, boundary + 1 })
        {
            var head = await ReadRangeAsync(new CsvSource<Row>(Ranged), Range(path, 0, cut));
            var tail = await ReadRangeAsync(new CsvSource<Row>(Ranged), Range(path, cut, bytes.Length, 1));

            head.Records.Concat(tail.Records).Should().Equal(whole.Records, $"the ranges meet at byte {cut}");
            var first = tail.Records[0].Id;
            first.Should().Be(cut <= boundary ? 198 : 199, $"the range from byte {cut} begins at the first line start at or after it");
        }
    }

    [Fact]
    public async Task Ranges_WithoutHeaderOrWithByteOrderMark_ReadTheWholeFileOnce()
    {
        var noHeader = Text()[(Text().IndexOf('\n') + 1)..];
        var cases = new[]
        {
            (Path: _dir.Write("plain.csv", noHeader), Options: new CsvSourceOptions { ReadByteRanges = true, HasHeader = false, Columns = { "Amount", "Name", "Id" } }),
            (Path: _dir.Write("bom.csv", Text(), bom: true), Options: Ranged),
        };
        foreach (var (path, options) in cases)
        {
            var whole = await SourceDriver.ReadAllAsync(new CsvSource<Row>(options), path);
            whole.Records.Should().HaveCount(Rows - 1);
            foreach (var size in new[] { 1, 2, 3, 64, 777 })
            {
                var records = new List<Row>();
                var bad = new List<ErrorRecordDraft>();
                foreach (var partition in await PlanAsync(path, size))
                {
                    var range = await ReadRangeAsync(new CsvSource<Row>(options), partition);
                    records.AddRange(range.Records);
                    bad.AddRange(range.Bad);
                }

                records.Should().Equal(whole.Records, $"{Path.GetFileName(path)} in ranges of {size} bytes");
                bad.Select(b => b.RawPayload).Should().Equal(whole.Bad.Select(b => b.RawPayload));
            }
        }
    }

    [Fact]
    public async Task OpenAsync_ByteRangeWithoutReadByteRanges_FailsNamingTheOption()
    {
        var path = _dir.Write("orders.csv", Text());

        var act = async () => await new CsvSource<Row>().OpenAsync(new SourceContext(SourceDriver.Run, Range(path, 0, 100), 0, _ => { }), CancellationToken.None);

        (await act.Should().ThrowAsync<NotSupportedException>()).Which.Message.Should()
            .Contain(path).And.Contain("[0, 100)").And.Contain("ReadByteRanges").And.Contain("CsvFilePartitioner");
    }

    [Fact]
    public async Task Ranges_RecordWithLineBreakInQuotedValue_FailTheRangeHoldingIt_NamingFileByteLineAndColumn()
    {
        const int multi = 240;
        var path = _dir.Write("orders.csv", Text(name: i => i == multi ? "\"two\nlines\"" : null));
        var bytes = await File.ReadAllBytesAsync(path);
        var recordStart = Encoding.UTF8.GetString(bytes).IndexOf("240.5,", StringComparison.Ordinal);
        var line = LineStarts(bytes).IndexOf(recordStart) + 1;

        foreach (var size in new[] { 1, 40, 999, bytes.Length - 1 })
        {
            var failures = new List<InvalidDataException>();
            foreach (var partition in await PlanAsync(path, size))
            {
                try
                {
                    await ReadRangeAsync(new CsvSource<Row>(Ranged), partition);
                }
                catch (InvalidDataException ex)
                {
                    failures.Add(ex);
                }
            }

            failures.Should().ContainSingle($"only the range holding the record's first byte reads it (ranges of {size} bytes)").Which.Message.Should()
                .Contain(path).And.Contain($"row at byte {recordStart} (line {line}), column 'Name'").And.Contain("Partition this file per file");
        }

        // The same file read whole takes the line break as part of the value.
        var whole = await SourceDriver.ReadAllAsync(new CsvSource<Row>(), path);
        whole.Records.Should().Contain(r => r.Id == multi && r.Name == "two\nlines");
    }

    [Fact]
    public async Task RunAsync_FileWithQuotedLineBreakInRanges_FailsTheRun_NeverCompletes()
    {
        var path = _dir.Write("orders.csv", Text(name: i => i == 333 ? "\"a\r\nb,c\"" : null));
        var store = new InMemoryCheckpointStore();
        var rows = new ConcurrentQueue<Row>();
        var job = Job.Create("csv-ranges")
            .ReadFrom(new CsvSource<Row>(Ranged))
            .PartitionBy(new ByteRangePartitioner(CsvFilePartitioner.ForFile(path), 500))
            .WriteTo(new DelegateSink<Row>(chunk =>
            {
                foreach (var row in chunk.Span)
                {
                    rows.Enqueue(row);
                }
            }))
            .UseCheckpointStore(store)
            .Build();

        var result = await new JobRunner(job).RunAsync(RunParameters.Empty);

        result.Status.Should().Be(RunStatus.Failed);
        rows.Should().NotContain(r => r.Id == 333);
    }

    [Fact]
    public async Task Range_ResumedAtEveryPositionItReached_ReadsExactlyTheRestOfTheRange()
    {
        var path = _dir.Write("orders.csv", Text());
        var source = new CsvSource<Row>(Ranged);
        foreach (var partition in (await PlanAsync(path, 1_500)).Take(4))
        {
            var all = await ReadRangeAsync(source, partition);
            var positions = new List<(long Position, int Read)>();
            await using (var reader = await source.OpenAsync(new SourceContext(SourceDriver.Run, partition, 0, _ => { }), CancellationToken.None))
            {
                var buffer = new Row[1];
                var read = 0;
                positions.Add((reader.Position, 0));
                while (await reader.ReadAsync(buffer, CancellationToken.None) == 1)
                {
                    positions.Add((reader.Position, ++read));
                }
            }

            all.Records.Should().NotBeEmpty();
            positions.Should().HaveCount(all.Records.Count + 1);
            foreach (var (position, read) in positions)
            {
                var rest = await ReadRangeAsync(source, partition, position);
                rest.Records.Should().Equal(all.Records.Skip(read), $"resuming {partition.Descriptor} at byte {position} after {read} rows");
            }
        }
    }

    [Fact]
    public async Task Range_CrashedAfterTwoCommittedChunks_ResumesIntoTheSinkWithTheRowsOfOneCleanRead()
    {
        var path = _dir.Write("orders.csv", Text());
        var source = new CsvSource<Row>(Ranged);
        var partition = (await PlanAsync(path, 3_000))[1];
        var clean = await ReadRangeAsync(source, partition);
        clean.Records.Should().HaveCountGreaterThan(30);
        var sink = new CsvSink<Row>(Path.Combine(_dir.Path, "out"));

        // First attempt: two committed chunks of 10, a third chunk written but not committed, then a crash.
        long sourcePosition = 0, sinkPosition = 0;
        await using (var reader = await source.OpenAsync(new SourceContext(SourceDriver.Run, partition, 0, _ => { }), CancellationToken.None))
        await using (var writer = await sink.OpenAsync(new SinkContext(SourceDriver.Run, partition, null), CancellationToken.None))
        {
            var buffer = new Row[10];
            for (var chunk = 0; chunk < 3; chunk++)
            {
                var n = await reader.ReadAsync(buffer, CancellationToken.None);
                await writer.WriteAsync(buffer.AsMemory(0, n), CancellationToken.None);
                if (chunk < 2)
                {
                    sinkPosition = await writer.CommitAsync(CancellationToken.None);
                    sourcePosition = reader.Position;
                }
            }
        }

        await using (var reader = await source.OpenAsync(new SourceContext(SourceDriver.Run, partition, sourcePosition, _ => { }), CancellationToken.None))
        await using (var writer = await sink.OpenAsync(new SinkContext(SourceDriver.Run, partition, sinkPosition), CancellationToken.None))
        {
            var buffer = new Row[10];
            int n;
            while ((n = await reader.ReadAsync(buffer, CancellationToken.None)) > 0)
            {
                await writer.WriteAsync(buffer.AsMemory(0, n), CancellationToken.None);
                await writer.CommitAsync(CancellationToken.None);
            }

            await writer.CompleteAsync(CancellationToken.None);
        }

        var output = await SourceDriver.ReadAllAsync(new CsvSource<Row>(), sink.GetPath(SourceDriver.Run, partition.Id));
        output.Records.Should().Equal(clean.Records);
    }

    [Fact]
    public async Task Range_BadRow_IsReportedWithFileByteOffsetAndColumn()
    {
        var text = Text();
        var path = _dir.Write("orders.csv", text);
        var at = Encoding.UTF8.GetByteCount(text[..text.IndexOf("abc,", StringComparison.Ordinal)]);
        var holding = (await PlanAsync(path, 800)).Single(p => PartitionDescriptor.ParseBytes(p.Descriptor) is var (_, s, e) && s <= at && at < e);

        var range = await ReadRangeAsync(new CsvSource<Row>(Ranged), holding);

        var bad = range.Bad.Should().ContainSingle().Subject;
        bad.Offset.Should().Be(at);
        bad.RawPayload.Should().StartWith("abc,");
        bad.Reason.Should().Be($"{path}, row at byte {at}, column 'Amount': expected Decimal, found 'abc'");
    }
}
