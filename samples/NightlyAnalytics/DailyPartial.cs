namespace NightlyAnalytics;

/// <summary>
/// A partial aggregate of one (user, type, hour) from one input partition: what the extract partitions stage and the
/// hash partitions merge. The distinct sessions travel as an exact set, so merged counts are exact.
/// </summary>
/// <param name="UserId">The user.</param>
/// <param name="TypeCode">The event type code.</param>
/// <param name="Hour">The hour of the day, 0 to 23 (UTC).</param>
/// <param name="Count">The number of events.</param>
/// <param name="DurationMs">The sum of the events' durations, in milliseconds.</param>
/// <param name="Sessions">The distinct session ids among the events.</param>
public sealed record DailyPartial(long UserId, byte TypeCode, byte Hour, long Count, double DurationMs, long[] Sessions);
