using NightlyAnalytics;

namespace BatchKit.Samples.Tests;

public sealed class EventStagingSerializerTests
{
    [Fact]
    public void Read_AfterWrite_ReturnsTheSameEvents()
    {
        var events = new[]
        {
            new Event(1, 2, 0, new DateTime(2026, 11, 22, 13, 5, 0, DateTimeKind.Utc).Ticks, 12.5),
            new Event(long.MaxValue, -1, EventTypes.NullCode, 0, double.NaN),
            new Event(-5, 0, 6, DateTime.MaxValue.Ticks, -0.25),
        };
        var serializer = new EventStagingSerializer();
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            foreach (var e in events)
            {
                serializer.Write(writer, e);
            }
        }

        stream.Length.Should().Be(events.Length * EventStagingSerializer.RecordSize);
        stream.Position = 0;
        using var reader = new BinaryReader(stream);
        events.Select(_ => serializer.Read(reader)).Should().Equal(events);
    }
}

public sealed class DailyAggregatorTests
{
    private static readonly DateOnly Date = new(2026, 11, 22);

    [Fact]
    public void Complete_ManyAndRepeatedSessions_CountsDistinctSessions()
    {
        var aggregator = new DailyAggregator(Date);
        var at = Date.ToDateTime(new TimeOnly(7, 30), DateTimeKind.Utc).Ticks;
        var expected = new HashSet<long>();
        var random = new Random(5);
        for (var i = 0; i < 500; i++)
        {
            // Runs of the same session, then scattered repeats: covers the inline array and the hash-set paths.
            var session = i < 40 ? i / 4 : random.Next(60);
            expected.Add(session);
            aggregator.Add(new Event(9, session, 1, at, 2));
        }

        aggregator.Add(new Event(9, 1, 1, at + TimeSpan.TicksPerHour, 3)); // the next hour
        aggregator.Add(new Event(9, 1, 2, at, 4)); // another type
        aggregator.Add(new Event(10, 1, 1, at, 5)); // another user

        var rows = aggregator.Complete().OrderBy(r => r.UserId).ThenBy(r => r.EventType).ThenBy(r => r.Hour).ToList();

        rows.Should().Equal(
            new DailyAggregate(Date, 9, "click", 7, 500, expected.Count, 1000),
            new DailyAggregate(Date, 9, "click", 8, 1, 1, 3),
            new DailyAggregate(Date, 9, "search", 7, 1, 1, 4),
            new DailyAggregate(Date, 10, "click", 7, 1, 1, 5));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(100)]
    public void Complete_DistinctSessionsAroundTheInlineLimit_CountsEachOnce(int sessions)
    {
        var aggregator = new DailyAggregator(Date);
        var at = Date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).Ticks;
        for (var round = 0; round < 3; round++)
        {
            for (var s = 0; s < sessions; s++)
            {
                aggregator.Add(new Event(1, 1000 + s, 0, at, 1));
            }
        }

        var row = aggregator.Complete().Should().ContainSingle().Subject;
        row.UniqueSessions.Should().Be(sessions);
        row.EventCount.Should().Be(3 * sessions);
    }
}
