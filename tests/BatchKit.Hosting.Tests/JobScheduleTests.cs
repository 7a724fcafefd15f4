namespace BatchKit.Hosting.Tests;

public sealed class JobScheduleTests
{
    [Theory]
    // Europe/Berlin: 2026-03-29 02:00 CET jumps to 03:00 CEST; 2026-10-25 03:00 CEST falls back to 02:00 CET.
    [InlineData("Europe/Berlin", "2026-03-27T12:00:00Z", "2026-03-31T12:00:00Z", "2026-03-28T01:30:00Z|2026-03-29T01:00:00Z|2026-03-30T00:30:00Z|2026-03-31T00:30:00Z")]
    [InlineData("Europe/Berlin", "2026-10-23T12:00:00Z", "2026-10-27T12:00:00Z", "2026-10-24T00:30:00Z|2026-10-25T00:30:00Z|2026-10-26T01:30:00Z|2026-10-27T01:30:00Z")]
    // America/New_York: 2026-03-08 02:00 EST jumps to 03:00 EDT; 2026-11-01 02:00 EDT falls back to 01:00 EST.
    [InlineData("America/New_York", "2026-03-06T12:00:00Z", "2026-03-10T12:00:00Z", "2026-03-07T07:30:00Z|2026-03-08T07:00:00Z|2026-03-09T06:30:00Z|2026-03-10T06:30:00Z")]
    [InlineData("America/New_York", "2026-10-30T12:00:00Z", "2026-11-03T12:00:00Z", "2026-10-31T06:30:00Z|2026-11-01T07:30:00Z|2026-11-02T07:30:00Z|2026-11-03T07:30:00Z")]
    public void GetOccurrences_0230LocalAcrossDst_OncePerDay(string zone, string from, string to, string expected)
    {
        var schedule = JobSchedule.Parse("0 30 2 * * *", zone);

        var occurrences = schedule.GetOccurrences(DateTimeOffset.Parse(from), DateTimeOffset.Parse(to)).ToList();

        occurrences.Select(o => o.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ")).Should().Equal(expected.Split('|'));
    }

    [Fact]
    public void GetNextOccurrence_SixFields_HasSeconds()
    {
        var schedule = JobSchedule.Parse("*/15 * * * * *", "UTC");

        schedule.GetNextOccurrence(new DateTimeOffset(2026, 1, 1, 0, 0, 1, TimeSpan.Zero))
            .Should().Be(new DateTimeOffset(2026, 1, 1, 0, 0, 15, TimeSpan.Zero));
    }

    [Fact]
    public void GetNextOccurrence_FiveFields_HasMinutes()
    {
        var schedule = JobSchedule.Parse("30 2 * * *", "Europe/Berlin");

        var next = schedule.GetNextOccurrence(new DateTimeOffset(2026, 7, 1, 12, 0, 0, TimeSpan.Zero))!.Value;

        next.Should().Be(new DateTimeOffset(2026, 7, 2, 2, 30, 0, TimeSpan.FromHours(2)));
        next.Offset.Should().Be(TimeSpan.FromHours(2), "the occurrence carries the zone's offset");
    }

    [Theory]
    [InlineData("0 30 2 * *", "Mars/Olympus", "time zone 'Mars/Olympus'")]
    [InlineData("0 30 25 * * *", "UTC", "cron expression '0 30 25 * * *' is not valid")]
    [InlineData("* * *", "UTC", "found 3 field(s)")]
    public void Parse_Invalid_SaysWhat(string cron, string zone, string message)
    {
        var parse = () => JobSchedule.Parse(cron, zone);

        parse.Should().Throw<FormatException>().WithMessage($"*{message}*");
    }

    [Fact]
    public void BusinessDate_IsTheDayBeforeInTheScheduleZone()
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        // 2026-03-28T23:30Z is 2026-03-29 00:30 in Berlin: business date 2026-03-28 there, though UTC says the 28th.
        var occurrence = new ScheduledOccurrence("j", new DateTimeOffset(2026, 3, 28, 23, 30, 0, TimeSpan.Zero), berlin);

        occurrence.LocalDate.Should().Be(new DateOnly(2026, 3, 29));
        occurrence.BusinessDate.Should().Be(new DateOnly(2026, 3, 28));
    }
}
