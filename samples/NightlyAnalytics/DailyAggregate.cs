namespace NightlyAnalytics;

/// <summary>One row of the warehouse table <c>daily_aggregates</c>: the events of one user, type and hour of a day.</summary>
/// <param name="EventDate">The business date (column <c>event_date</c>).</param>
/// <param name="UserId">The user.</param>
/// <param name="EventType">The event type.</param>
/// <param name="Hour">The hour of the day, 0 to 23 (UTC).</param>
/// <param name="EventCount">The number of events.</param>
/// <param name="UniqueSessions">The number of distinct sessions among the events.</param>
/// <param name="TotalDurationMs">The sum of the events' durations, in milliseconds.</param>
public sealed record DailyAggregate(DateOnly EventDate, long UserId, string EventType, int Hour, long EventCount, long UniqueSessions, double TotalDurationMs);
