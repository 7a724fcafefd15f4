namespace BatchKit;

/// <content>Run completion notifications, one per run, kept until the run is deleted.</content>
public sealed partial class InMemoryCheckpointStore
{
    private readonly Dictionary<string, RunNotification> _notifications = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public bool RecordsNotifications => true;

    /// <inheritdoc/>
    public ValueTask<RunNotification?> GetNotificationAsync(string runKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runKey);
        lock (_lock)
        {
            return ValueTask.FromResult(_notifications.GetValueOrDefault(runKey));
        }
    }

    /// <inheritdoc/>
    public ValueTask SaveNotificationAsync(RunNotification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        lock (_lock)
        {
            _notifications[notification.RunKey] = notification;
        }

        return ValueTask.CompletedTask;
    }
}
