using System.Globalization;

namespace BatchKit.Csv.Tests;

public sealed class CsvRoundTripTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string, char> Formats => new()
    {
        { "", ',' },
        { "de-DE", ';' },
        { "de-DE", ',' },
        { "fr-FR", '\t' },
    };

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task SinkThenSource_AllPropertyTypes_ReturnsEqualRecords(string culture, char delimiter)
    {
        var records = new[]
        {
            new Sample
            {
                Name = "plain", Count = -7, Big = long.MaxValue, Ratio = 0.1, Amount = 1234567.891m,
                When = new DateTime(2024, 2, 29, 23, 59, 58, 123, DateTimeKind.Utc), Flag = true, Maybe = 42, Note = "n", Day = DayOfWeek.Friday,
            },
            new Sample
            {
                Name = "comma, \"quote\"\r\nnew line; tab\t", Count = int.MinValue, Big = -1, Ratio = double.Epsilon, Amount = -0.5m,
                When = new DateTime(1999, 12, 31, 0, 0, 0, DateTimeKind.Unspecified), Flag = false, Maybe = null, Note = null, Day = DayOfWeek.Sunday,
            },
            new Sample { Name = " padded ", Ratio = 1e300, When = new DateTime(2000, 1, 1, 12, 0, 0, DateTimeKind.Local), Note = "" },
        };
        var cultureInfo = CultureInfo.GetCultureInfo(culture);
        var sink = new CsvSink<Sample>(_dir.Path, new CsvSinkOptions { Culture = cultureInfo, Delimiter = delimiter });
        var partition = new Partition(0, "samples", PartitionDescriptor.Hash(0, 1));
        await using (var writer = await sink.OpenAsync(new SinkContext(SourceDriver.Run, partition, null), CancellationToken.None))
        {
            await writer.WriteAsync(records, CancellationToken.None);
            await writer.CompleteAsync(CancellationToken.None);
        }

        var result = await SourceDriver.ReadAllAsync(
            new CsvSource<Sample>(new CsvSourceOptions { Culture = cultureInfo, Delimiter = delimiter }), sink.GetPath(SourceDriver.Run, "samples"));

        result.Bad.Should().BeEmpty();
        result.Records.Should().HaveCount(3);
        result.Records[0].Should().BeEquivalentTo(records[0]);
        result.Records[1].Should().BeEquivalentTo(records[1]);
        result.Records[2].Should().BeEquivalentTo(records[2], o => o.Excluding(s => s.Note));
        result.Records[2].Note.Should().BeNull("an empty field reads as null for a nullable string");
        result.Records.Select(r => r.When.Kind).Should().Equal(records.Select(r => r.When.Kind));
    }

    [Fact]
    public async Task SinkThenSource_ResumedSinkAndSource_ProduceTheRowsOfOneCleanRun()
    {
        var input = _dir.Write("in.csv", "Id,Name,Amount\n" + string.Join("\n", Enumerable.Range(1, 50).Select(i => $"{i},name {i},{i}.5")) + "\n");
        var source = new CsvSource<Row>();
        var sink = new CsvSink<Row>(Path.Combine(_dir.Path, "out"));
        var partition = SourceDriver.FilePartition(input);

        // First attempt: two committed chunks of 10, a third chunk written but not committed, then a crash.
        long sourcePosition;
        long sinkPosition;
        await using (var reader = await source.OpenAsync(new SourceContext(SourceDriver.Run, partition, 0, _ => { }), CancellationToken.None))
        await using (var writer = await sink.OpenAsync(new SinkContext(SourceDriver.Run, partition, null), CancellationToken.None))
        {
            var buffer = new Row[10];
            (sourcePosition, sinkPosition) = (0, 0);
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

        // Second attempt resumes from the checkpoint.
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

        var output = await SourceDriver.ReadAllAsync(source, sink.GetPath(SourceDriver.Run, partition.Id));
        output.Records.Select(r => r.Id).Should().Equal(Enumerable.Range(1, 50));
        output.Records.Should().OnlyContain(r => r.Name == "name " + r.Id && r.Amount == r.Id + 0.5m);
    }
}
