namespace BatchKit;

/// <content>
/// Run completion notifications (<see cref="IRunNotifier"/>): at most one per run, pending until delivered. The default
/// implementations say the store does not record them; a job with a notifier then fails at the start of a run with a
/// <see cref="NotSupportedException"/> instead of losing notifications.
/// </content>
public partial interface ICheckpointStore
{
    /// <summary>Gets a value indicating whether the store records run completion notifications.</summary>
    /// <value>The default implementation returns <see langword="false"/>.</value>
    bool RecordsNotifications => false;

    /// <summary>Gets the completion notification recorded for a run, pending or delivered.</summary>
    /// <param name="runKey">The RunKey hash.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The notification, or <see langword="null"/> when none is recorded.</returns>
    /// <exception cref="NotSupportedException">The store does not record notifications (the default implementation).</exception>
    ValueTask<RunNotification?> GetNotificationAsync(string runKey, CancellationToken cancellationToken) =>
        throw NotificationsNotSupported();

    /// <summary>
    /// Records the completion notification of a run, replacing the one recorded before (a run completed again after
    /// <see cref="RunOptions.Reprocess"/> has a new event). Not fenced: it records what the runner did.
    /// </summary>
    /// <param name="notification">The notification.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the record is durable.</returns>
    /// <exception cref="NotSupportedException">The store does not record notifications (the default implementation).</exception>
    ValueTask SaveNotificationAsync(RunNotification notification, CancellationToken cancellationToken) =>
        throw NotificationsNotSupported();

    private NotSupportedException NotificationsNotSupported() =>
        new($"The checkpoint store {GetType().Name} does not record run completion notifications; use a store that records them (SQLite, PostgreSQL, in-memory) for a job with OnCompleted.");
}
