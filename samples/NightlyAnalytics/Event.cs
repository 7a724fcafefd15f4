namespace NightlyAnalytics;

/// <summary>
/// One input event. The event type is kept as a one-byte code (<see cref="EventTypes"/>) so records stay small through
/// staging and aggregation; <see cref="EventType"/> gives its name back.
/// </summary>
/// <param name="UserId">The user (column <c>user_id</c>).</param>
/// <param name="SessionId">The session (column <c>session_id</c>).</param>
/// <param name="EventTypeCode">The event type code; <see cref="EventTypes.NullCode"/> for a null <c>event_type</c>.</param>
/// <param name="TimestampTicks">The UTC timestamp in ticks (column <c>ts</c>).</param>
/// <param name="DurationMs">The duration in milliseconds (column <c>duration_ms</c>).</param>
public readonly record struct Event(long UserId, long SessionId, byte EventTypeCode, long TimestampTicks, double DurationMs)
{
    /// <summary>Gets the event type name, or <see langword="null"/> when the column was null.</summary>
    public string? EventType => EventTypes.NameOf(EventTypeCode);

    /// <summary>Gets the timestamp as a UTC <see cref="DateTime"/>.</summary>
    public DateTime Timestamp => new(TimestampTicks, DateTimeKind.Utc);
}
