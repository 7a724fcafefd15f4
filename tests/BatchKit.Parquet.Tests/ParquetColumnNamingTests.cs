using Parquet;

namespace BatchKit.Parquet.Tests;

public sealed record Delivery(long UserId, string OriginState, decimal CostTotal);

public sealed record TwoIds(long First, long Second);

public sealed record UserOnly(long UserId);

public sealed class ParquetColumnNamingTests : IDisposable
{
    private static readonly Delivery[] Records = [new(1, "BE", 12.5m), new(2, "BY", 7m)];
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task CompleteAsync_DefaultPolicy_WritesSnakeCaseColumns()
    {
        var path = await TestSupport.WriteAsync(new ParquetSink<Delivery>(_dir.Path), new Partition(0, "snake", "rows:0:1"), Records);

        (await ColumnsAsync(path)).Should().Equal("user_id", "origin_state", "cost_total");
        (await TestSupport.ReadAllAsync(new ParquetSource<Delivery>(), TestSupport.FilePartition(path))).Records.Should().Equal(Records);
    }

    [Fact]
    public async Task CompleteAsync_ExactPolicy_WritesPropertyNamesAndReadsThemBack()
    {
        var map = new ParquetRecordMap<Delivery>().UseColumnNaming(ColumnNaming.Exact);
        var path = await TestSupport.WriteAsync(new ParquetSink<Delivery>(_dir.Path, map: map), new Partition(0, "exact", "rows:0:1"), Records);

        (await ColumnsAsync(path)).Should().Equal("UserId", "OriginState", "CostTotal");
        (await TestSupport.ReadAllAsync(new ParquetSource<Delivery>(map), TestSupport.FilePartition(path))).Records.Should().Equal(Records);
    }

    [Fact]
    public async Task OpenAsync_ExactPolicyOnSnakeCaseFile_ReportsTheMissingColumns()
    {
        var path = await TestSupport.WriteAsync(new ParquetSink<Delivery>(_dir.Path), new Partition(0, "snake", "rows:0:1"), Records);
        var map = new ParquetRecordMap<Delivery>().UseColumnNaming(ColumnNaming.Exact);

        var act = () => TestSupport.ReadAllAsync(new ParquetSource<Delivery>(map), TestSupport.FilePartition(path));

        (await act.Should().ThrowAsync<ParquetSchemaException>()).Which.Message.Should().Contain("'UserId'").And.Contain("user_id");
    }

    [Fact]
    public async Task OpenAsync_TwoColumnsMatchOneProperty_ThrowsNamingFileColumnsAndProperty()
    {
        var writeMap = new ParquetRecordMap<TwoIds>().Map(r => r.First, "user_id").Map(r => r.Second, "User_ID_");
        var path = await TestSupport.WriteAsync(new ParquetSink<TwoIds>(_dir.Path, map: writeMap), new Partition(0, "two", "rows:0:1"), [new TwoIds(1, 2)]);
        var act = () => TestSupport.ReadAllAsync(new ParquetSource<UserOnly>(), TestSupport.FilePartition(path));

        var error = (await act.Should().ThrowAsync<ParquetSchemaException>()).Which;
        error.Message.Should().Contain(path).And.Contain("'user_id'").And.Contain("'User_ID_'").And.Contain("UserOnly.UserId");
        error.IsTransient.Should().BeFalse();
    }

    private static async Task<List<string>> ColumnsAsync(string path)
    {
        await using var file = await ParquetReader.CreateAsync(path);
        return file.Schema.DataFields.Select(f => f.Name).ToList();
    }
}
