using BatchKit.Postgres.Internal;

namespace BatchKit.Postgres;

/// <content>Run completion notifications (table <c>run_notifications</c>, deleted with their run).</content>
public sealed partial class PostgresCheckpointStore
{
    private string Notifications => Pg.Quote(Schema) + ".run_notifications";

    /// <inheritdoc/>
    public bool RecordsNotifications => true;

    /// <inheritdoc/>
    public ValueTask<RunNotification?> GetNotificationAsync(string runKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runKey);
        return RunAsync<RunNotification?>(
            async connection =>
            {
                await using var command = Pg.Command(
                    connection,
                    $"SELECT event_id, payload, created_at, delivered_at, attempts, last_error FROM {Notifications} WHERE run_key = @k",
                    ("k", runKey));
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                    ? new RunNotification(runKey, reader.GetString(0), reader.GetString(1), reader.GetInstant(2), reader.GetInstantOrNull(3), reader.GetInt32(4), reader.GetStringOrNull(5))
                    : null;
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The run is not in the store.</exception>
    public async ValueTask SaveNotificationAsync(RunNotification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var saved = await RunAsync(
            async connection =>
            {
                await using var command = Pg.Command(
                    connection,
                    $"""
                    INSERT INTO {Notifications} (run_key, event_id, payload, created_at, delivered_at, attempts, last_error)
                    SELECT @k, @id, @payload, @created, @delivered, @attempts, @error WHERE EXISTS (SELECT 1 FROM {_runs} WHERE run_key = @k)
                    ON CONFLICT (run_key) DO UPDATE SET
                        event_id = excluded.event_id, payload = excluded.payload, created_at = excluded.created_at,
                        delivered_at = excluded.delivered_at, attempts = excluded.attempts, last_error = excluded.last_error
                    """,
                    ("k", notification.RunKey),
                    ("id", notification.EventId),
                    ("payload", notification.Payload),
                    ("created", Pg.Utc(notification.CreatedAt)),
                    ("delivered", notification.DeliveredAt is { } delivered ? Pg.Utc(delivered) : (DateTimeOffset?)null),
                    ("attempts", notification.Attempts),
                    ("error", notification.LastError));
                return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
        if (saved == 0)
        {
            throw new InvalidOperationException($"The notification {notification.EventId} belongs to the run {notification.RunKey}, which is not in the PostgreSQL state store (schema '{Schema}').");
        }
    }
}
