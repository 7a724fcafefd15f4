using DuckDB.NET.Data;
using Parquet;

namespace BatchKit.Parquet.Tests;

/// <summary>Reads Parquet files written by DuckDB (another writer: its own encodings, zstd, every column optional).</summary>
public sealed class DuckDbInteropTests : IDisposable
{
    private const int Rows = 5000;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task OpenAsync_DuckDbZstdFile_ReadsTimestampsDatesNullsAndStrings()
    {
        var path = _dir.File("duck.parquet");
        using (var connection = new DuckDBConnection("DataSource=:memory:"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"""
                COPY (
                  SELECT i::BIGINT AS user_id,
                         (i % 1000)::INTEGER AS small_count,
                         (i * 0.5)::DOUBLE AS amount,
                         CASE WHEN i % 7 = 0 THEN NULL ELSE 'segment-' || (i % 5) END AS category,
                         i % 2 = 0 AS is_active,
                         DATE '2024-01-01' + (i % 366)::INTEGER AS day,
                         TIMESTAMP '2024-01-01 08:00:00' + to_microseconds(i * 1000003) AS created_at,
                         TIMESTAMPTZ '2024-01-01 08:00:00+00' + to_milliseconds(i) AS updated_at,
                         CAST(TIMESTAMP '2024-06-30 12:34:56.789' AS TIMESTAMP_MS) AS ts_ms,
                         CAST(TIMESTAMP '2024-06-30 12:34:56.123456' AS TIMESTAMP_NS) AS ts_ns,
                         CASE WHEN i % 3 = 0 THEN NULL ELSE i * 10 END AS maybe_total,
                         (i % 100)::SMALLINT AS tiny
                  FROM range(0, {Rows}) t(i)
                ) TO '{path.Replace("'", "''", StringComparison.Ordinal)}' (FORMAT parquet, COMPRESSION zstd)
                """;
            command.ExecuteNonQuery();
        }

        await using (var file = await ParquetReader.CreateAsync(path))
        {
            var rowGroup = file.OpenRowGroupReader(0);
            var chunks = file.Schema.DataFields.Select(f => rowGroup.GetMetadata(f)!.MetaData!).ToList();
            chunks.Should().OnlyContain(c => c.Codec.ToString() == "ZSTD");
            chunks.Should().Contain(c => c.Encodings!.Any(e => e.ToString().Contains("DICTIONARY", StringComparison.Ordinal)));
            file.Schema.DataFields.Should().OnlyContain(f => f.IsNullable);
        }

        var (records, position) = await TestSupport.ReadAllAsync(new ParquetSource<DuckRow>(), TestSupport.FilePartition(path), chunk: 1024);

        position.Should().Be(Rows);
        records.Should().HaveCount(Rows);
        for (var i = 0; i < Rows; i++)
        {
            var r = records[i];
            r.UserId.Should().Be(i);
            r.SmallCount.Should().Be(i % 1000);
            r.Amount.Should().Be(i * 0.5);
            r.Category.Should().Be(i % 7 == 0 ? null : "segment-" + (i % 5));
            r.IsActive.Should().Be(i % 2 == 0);
            r.Day.Should().Be(new DateOnly(2024, 1, 1).AddDays(i % 366));
            r.CreatedAt.Should().Be(new DateTime(2024, 1, 1, 8, 0, 0).AddTicks(i * 1000003L * 10));
            r.CreatedAt.Kind.Should().Be(DateTimeKind.Unspecified);
            r.UpdatedAt.Should().Be(new DateTimeOffset(2024, 1, 1, 8, 0, 0, TimeSpan.Zero).AddMilliseconds(i));
            r.TsMs.Should().Be(new DateTime(2024, 6, 30, 12, 34, 56, 789));
            r.TsNs.Should().Be(new DateTime(2024, 6, 30, 12, 34, 56).AddTicks(1234560));
            r.MaybeTotal.Should().Be(i % 3 == 0 ? null : i * 10L);
            r.Tiny.Should().Be(i % 100);
        }
    }

    public sealed class DuckRow
    {
        public long UserId { get; set; }
        public int SmallCount { get; set; }
        public double Amount { get; set; }
        public string? Category { get; set; }
        public bool IsActive { get; set; }
        public DateOnly Day { get; set; }
        public DateTime CreatedAt { get; set; }
        public DateTimeOffset UpdatedAt { get; set; }
        public DateTime TsMs { get; set; }
        public DateTime TsNs { get; set; }
        public long? MaybeTotal { get; set; }
        public long Tiny { get; set; }
    }
}
