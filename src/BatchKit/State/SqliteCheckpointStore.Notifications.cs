namespace BatchKit;

/// <content>Run completion notifications (table <c>run_notifications</c>, schema version 6).</content>
public sealed partial class SqliteCheckpointStore
{
    /// <inheritdoc/>
    public bool RecordsNotifications => true;

    /// <inheritdoc/>
    public ValueTask<RunNotification?> GetNotificationAsync(string runKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runKey);
        return LockedAsync(() =>
        {
            using var reader = Command("SELECT event_id, payload, created_at, delivered_at, attempts, last_error FROM run_notifications WHERE run_key = $k", null)
                .With("$k", runKey).ExecuteReader();
            return reader.Read()
                ? new RunNotification(runKey, reader.GetString(0), reader.GetString(1), reader.GetInstant(2), reader.GetInstantOrNull(3), reader.GetInt32(4), reader.GetStringOrNull(5))
                : null;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask SaveNotificationAsync(RunNotification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        return IgnoreResult(LockedAsync(() => Command(
                """
                INSERT INTO run_notifications (run_key, event_id, payload, created_at, delivered_at, attempts, last_error)
                VALUES ($k, $id, $payload, $created, $delivered, $attempts, $error)
                ON CONFLICT (run_key) DO UPDATE SET
                    event_id = excluded.event_id, payload = excluded.payload, created_at = excluded.created_at,
                    delivered_at = excluded.delivered_at, attempts = excluded.attempts, last_error = excluded.last_error
                """, null)
            .With("$k", notification.RunKey).With("$id", notification.EventId).With("$payload", notification.Payload)
            .With("$created", Ms(notification.CreatedAt)).With("$delivered", notification.DeliveredAt is { } delivered ? Ms(delivered) : null)
            .With("$attempts", notification.Attempts).With("$error", notification.LastError)
            .ExecuteNonQuery(), cancellationToken));
    }
}
