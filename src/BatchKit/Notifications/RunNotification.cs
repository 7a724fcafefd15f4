namespace BatchKit;

/// <summary>The completion notification of a run as the checkpoint store records it: pending until <see cref="DeliveredAt"/> is set.</summary>
/// <param name="RunKey">The RunKey hash.</param>
/// <param name="EventId">The event id (<see cref="RunCompletedEvent.EventId"/>).</param>
/// <param name="Payload">The event as JSON, delivered as it is on every try.</param>
/// <param name="CreatedAt">When the run completed and the notification was recorded.</param>
/// <param name="DeliveredAt">When the notification was delivered; <see langword="null"/> while it is pending.</param>
/// <param name="Attempts">How many times delivery was tried.</param>
/// <param name="LastError">The error of the last failed try, if any.</param>
public sealed record RunNotification(
    string RunKey,
    string EventId,
    string Payload,
    DateTimeOffset CreatedAt,
    DateTimeOffset? DeliveredAt,
    int Attempts,
    string? LastError)
{
    /// <summary>Gets a value indicating whether the notification still has to be delivered.</summary>
    public bool IsPending => DeliveredAt is null;
}
