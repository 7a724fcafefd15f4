using BatchKit.Tests.Support;
using NightlyAnalytics;

namespace BatchKit.Samples.Tests;

public sealed class NightlyJobTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RunAsync_200kEvents_WarehouseEqualsIndependentAggregation(bool combine)
    {
        using var dir = new TempDirectory();
        var input = dir.File("events");
        await EventGenerator.GenerateAsync(input, 200_000, files: 4, seed: 42, rowGroupSize: 30_000);
        var settings = new NightlyJobSettings { InputDirectory = input, WarehousePath = dir.File("warehouse.duckdb"), CombineBeforeShuffle = combine };

        var outcome = await NightlyJob.RunAsync(settings);

        outcome.Result.Status.Should().Be(RunStatus.Completed);
        outcome.Result.RecordsRead.Should().Be(200_000);
        outcome.Result.Errors.Should().BeGreaterThan(0, "about 0.01% of the events have no type");
        outcome.Verified.Should().BeTrue();
        outcome.Result.Partitions.Should().Be(NightlyJob.PartitionCount + 4 * 2, "200 hash partitions plus one extract partition per row group");
        var comparison = Warehouse.Compare(Warehouse.ExpectedSql(input), Warehouse.TableSql("w"), ("w", settings.WarehousePath));
        comparison.RightRows.Should().Be(comparison.LeftRows).And.Be(outcome.Result.RecordsWritten);
        comparison.OnlyLeft.Should().Be(0, "every expected aggregate row is in the warehouse, with equal values");
        comparison.OnlyRight.Should().Be(0, "the warehouse holds no other row");
        comparison.LeftEvents.Should().Be(200_000 - outcome.Result.Errors);
        var sinkStaging = Path.GetFullPath(settings.WarehousePath) + ".bk-staging";
        (Directory.Exists(sinkStaging) ? Directory.EnumerateFiles(sinkStaging, "*", SearchOption.AllDirectories) : []).Should().BeEmpty("every staged row was applied");
        Directory.Exists(settings.StagingDirectory).Should().BeTrue();
        Directory.EnumerateFiles(settings.StagingDirectory, "*", SearchOption.AllDirectories).Should().BeEmpty("staging is removed when the run completes");
    }

    [Fact]
    public async Task RunAsync_Twice_SecondIsANoOpThatStillVerifies()
    {
        using var dir = new TempDirectory();
        var input = dir.File("events");
        await EventGenerator.GenerateAsync(input, 20_000, files: 2, seed: 3);
        var settings = new NightlyJobSettings { InputDirectory = input, WarehousePath = dir.File("w.duckdb"), Parallelism = 1 };

        var first = await NightlyJob.RunAsync(settings);
        var second = await NightlyJob.RunAsync(settings);

        second.Result.WasAlreadyCompleted.Should().BeTrue();
        second.Result.PartitionsProcessed.Should().Be(0);
        second.Result.RecordsRead.Should().Be(first.Result.RecordsRead).And.Be(20_000);
        second.Result.Errors.Should().Be(first.Result.Errors);
        second.WarehouseEvents.Should().Be(first.WarehouseEvents);
        second.Verified.Should().BeTrue("the counts of a completed run come from its checkpoints");
    }

    [Fact]
    public async Task RunAsync_EventsOutsideTheDate_AreErrorRecords()
    {
        using var dir = new TempDirectory();
        var input = dir.File("events");
        await EventGenerator.GenerateAsync(input, 5_000, files: 1, seed: 1, date: new DateOnly(2026, 11, 21));
        var settings = new NightlyJobSettings { InputDirectory = input, WarehousePath = dir.File("w.duckdb"), Parallelism = 1 };

        var outcome = await NightlyJob.RunAsync(settings);

        outcome.Result.Status.Should().Be(RunStatus.Failed, "every event is outside 2026-11-22, far above the 1% error rate");
        outcome.Result.Exception.Should().BeOfType<ErrorRateExceededException>();
    }
}
