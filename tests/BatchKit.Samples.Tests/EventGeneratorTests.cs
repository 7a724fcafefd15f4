using BatchKit.Tests.Support;
using NightlyAnalytics;
using Parquet;

namespace BatchKit.Samples.Tests;

public sealed class EventGeneratorTests
{
    [Fact]
    public async Task GenerateAsync_SameSeed_WritesByteIdenticalFiles()
    {
        using var dir = new TempDirectory();

        var first = await EventGenerator.GenerateAsync(dir.File("a"), 30_000, files: 3, seed: 7, rowGroupSize: 8_000);
        var second = await EventGenerator.GenerateAsync(dir.File("b"), 30_000, files: 3, seed: 7, rowGroupSize: 8_000);
        var other = await EventGenerator.GenerateAsync(dir.File("c"), 30_000, files: 3, seed: 8, rowGroupSize: 8_000);

        first.Should().HaveCount(3);
        for (var i = 0; i < first.Count; i++)
        {
            File.ReadAllBytes(second[i]).Should().Equal(File.ReadAllBytes(first[i]), $"file {i} of the same seed must be byte-identical");
        }

        File.ReadAllBytes(other[0]).Should().NotEqual(File.ReadAllBytes(first[0]), "another seed gives other events");
    }

    [Fact]
    public async Task GenerateAsync_Events_HaveTheIssuesShape()
    {
        using var dir = new TempDirectory();
        const int events = 200_000;

        var files = await EventGenerator.GenerateAsync(dir.Path, events, files: 4, seed: 42);

        var stats = Stats(dir.Path);
        stats.Rows.Should().Be(events);
        stats.Users.Should().BeInRange(events / 50 * 6 / 10, events / 50, "about events/50 distinct users, skewed");
        stats.NullTypes.Should().BeInRange(1, events / 2_000, "about 0.01% of event types are null");
        stats.MinTs.Should().BeOnOrAfter(new DateTime(2026, 11, 22, 0, 0, 0, DateTimeKind.Utc));
        stats.MaxTs.Should().BeBefore(new DateTime(2026, 11, 23, 0, 0, 0, DateTimeKind.Utc));
        stats.TopUserShare.Should().BeGreaterThan(50.0 / events, "the most active user has far more events than the mean");
        await using var reader = await ParquetReader.CreateAsync(files[0]);
        reader.Schema.GetDataFields().Select(f => f.Name).Should().Equal("user_id", "session_id", "event_type", "ts", "duration_ms");
    }

    private static (long Rows, long Users, long NullTypes, DateTime MinTs, DateTime MaxTs, double TopUserShare) Stats(string directory)
    {
        using var connection = new DuckDB.NET.Data.DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SET TimeZone = 'UTC'";
        command.ExecuteNonQuery();
        command.CommandText = $"""
            SELECT count(*), count(DISTINCT user_id), count(*) FILTER (WHERE event_type IS NULL), min(ts)::TIMESTAMP, max(ts)::TIMESTAMP,
                   (SELECT max(c) FROM (SELECT count(*) AS c FROM read_parquet('{directory}/*.parquet') GROUP BY user_id)) / count(*)
            FROM read_parquet('{directory}/*.parquet')
            """;
        using var r = command.ExecuteReader();
        r.Read();
        return (r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), DateTime.SpecifyKind(r.GetDateTime(3), DateTimeKind.Utc), DateTime.SpecifyKind(r.GetDateTime(4), DateTimeKind.Utc), r.GetDouble(5));
    }
}
