namespace BatchKit.Csv.Tests;

public sealed record Shipment(string ZipCode, string OriginState, decimal CostTotal);

public sealed class CsvColumnNamingTests : IDisposable
{
    private static readonly Partition Part = new(0, "part-0001", PartitionDescriptor.Hash(1, 4));
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task ReadAsync_LettersAndDigits_FindsSnakeSpacedAndSymbolHeaders()
    {
        var path = _dir.Write("shipments.csv", "zip_code,Origin State,Cost Total $\n10115,BE,12.50\n80331,BY,7\n");
        var options = new CsvSourceOptions { ColumnNaming = ColumnNaming.LettersAndDigits };

        var result = await SourceDriver.ReadAllAsync(new CsvSource<Shipment>(options), path);

        result.Records.Should().Equal(new Shipment("10115", "BE", 12.50m), new Shipment("80331", "BY", 7m));
        result.Bad.Should().BeEmpty();
    }

    [Fact]
    public async Task OpenAsync_DefaultIgnoreCase_DoesNotFindSnakeCaseHeaders()
    {
        var path = _dir.Write("shipments.csv", "zip_code,Origin State,Cost Total $\n10115,BE,12.50\n");

        var act = () => SourceDriver.ReadAllAsync(new CsvSource<Shipment>(), path);

        (await act.Should().ThrowAsync<InvalidDataException>())
            .Which.Message.Should().Contain("'ZipCode'").And.Contain("'OriginState'").And.Contain("'CostTotal'");
    }

    [Fact]
    public async Task ReadAsync_LettersAndDigits_ExplicitColumnNameWins()
    {
        var path = _dir.Write("shipments.csv", "zip_code,Origin State,Cost Total $,Cost Total €\n10115,BE,12.50,11.00\n");
        var options = new CsvSourceOptions { ColumnNaming = ColumnNaming.LettersAndDigits };
        options.ColumnNames["CostTotal"] = "Cost Total €";

        var result = await SourceDriver.ReadAllAsync(new CsvSource<Shipment>(options), path);

        result.Records.Should().Equal(new Shipment("10115", "BE", 11.00m));
    }

    [Fact]
    public async Task OpenAsync_TwoHeadersMatchOneProperty_ThrowsNamingFileHeadersAndProperty()
    {
        var path = _dir.Write("shipments.csv", "zip_code,Origin State,Cost Total $,Cost Total €\n10115,BE,12.50,11.00\n");
        var options = new CsvSourceOptions { ColumnNaming = ColumnNaming.LettersAndDigits };

        var act = () => SourceDriver.ReadAllAsync(new CsvSource<Shipment>(options), path);

        (await act.Should().ThrowAsync<InvalidDataException>())
            .Which.Message.Should().Contain(path).And.Contain("'Cost Total $'").And.Contain("'Cost Total €'")
            .And.Contain("Shipment.CostTotal").And.Contain("LettersAndDigits");
    }

    [Fact]
    public async Task OpenAsync_ExactPolicy_DoesNotIgnoreCase()
    {
        var path = _dir.Write("a.csv", "id,name,amount\n1,a,1\n");
        var options = new CsvSourceOptions { ColumnNaming = ColumnNaming.Exact };

        var act = () => SourceDriver.ReadAllAsync(new CsvSource<Row>(options), path);

        (await act.Should().ThrowAsync<InvalidDataException>()).Which.Message.Should().Contain("'Id', 'Name', 'Amount'");
    }

    [Fact]
    public async Task CompleteAsync_SnakeCasePolicy_WritesSnakeCaseHeaderAndReadsItBack()
    {
        var sink = new CsvSink<Shipment>(_dir.Path, new CsvSinkOptions { ColumnNaming = ColumnNaming.SnakeCase });
        await using (var writer = await sink.OpenAsync(new SinkContext(SourceDriver.Run, Part, null), CancellationToken.None))
        {
            await writer.WriteAsync(new[] { new Shipment("10115", "BE", 12.5m) }, CancellationToken.None);
            await writer.CommitAsync(CancellationToken.None);
            await writer.CompleteAsync(CancellationToken.None);
        }

        var path = sink.GetPath(SourceDriver.Run, Part.Id);
        File.ReadAllText(path).Should().Be("zip_code,origin_state,cost_total\r\n10115,BE,12.5\r\n");
        var read = await SourceDriver.ReadAllAsync(new CsvSource<Shipment>(new CsvSourceOptions { ColumnNaming = ColumnNaming.SnakeCase }), path);
        read.Records.Should().Equal(new Shipment("10115", "BE", 12.5m));
    }
}
