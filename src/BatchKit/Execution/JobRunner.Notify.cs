using System.Text.Json;
using Polly;

namespace BatchKit;

/// <content>Notifying downstream of a completed run: recorded as pending, delivered at least once, never lost.</content>
public sealed partial class JobRunner
{
    /// <summary>
    /// Delivers the completion notification of a completed run: records it as pending when the run completed in this
    /// call (or completed earlier with none recorded), then delivers a pending one through the job's retry policy and
    /// records it delivered. A failure (of the notifier or the store) is logged and leaves it pending; the result says
    /// so, and the run stays completed.
    /// </summary>
    private async Task<RunResult> NotifyAsync(ICheckpointStore store, RunResult result, CancellationToken cancellationToken)
    {
        if (_job.Notifier is not { } notifier || result.Status != RunStatus.Completed)
        {
            return result;
        }

        var runKey = result.RunKey;
        var eventId = runKey.Value;
        try
        {
            var notification = await store.GetNotificationAsync(runKey.Value, cancellationToken).ConfigureAwait(false);
            if (!result.WasAlreadyCompleted || notification is null)
            {
                var record = await store.GetRunAsync(runKey.Value, cancellationToken).ConfigureAwait(false);
                var attempt = record?.Attempts ?? 0;
                var id = runKey.Value + ":" + attempt.ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (notification is null || !string.Equals(notification.EventId, id, StringComparison.Ordinal))
                {
                    var completed = new RunCompletedEvent
                    {
                        EventId = id,
                        JobName = _job.Name,
                        RunKey = runKey.Value,
                        Parameters = runKey.Parameters.ToString(),
                        Status = result.Status,
                        Attempt = attempt,
                        RecordsRead = result.RecordsRead,
                        RecordsWritten = result.RecordsWritten,
                        Errors = result.Errors,
                        CompletedAt = _job.TimeProvider.GetUtcNow(),
                    };
                    notification = new RunNotification(runKey.Value, id, JsonSerializer.Serialize(completed, NotificationJsonContext.Default.RunCompletedEvent), completed.CompletedAt, null, 0, null);
                    await store.SaveNotificationAsync(notification, cancellationToken).ConfigureAwait(false);
                }
            }

            if (!notification.IsPending)
            {
                return result;
            }

            eventId = notification.EventId;
            var payload = JsonSerializer.Deserialize(notification.Payload, NotificationJsonContext.Default.RunCompletedEvent)
                ?? throw new InvalidDataException($"The pending notification {eventId} of the job '{_job.Name}' run {runKey} holds no event.");
            try
            {
                await CreateRetry("notification").ExecuteAsync(static (state, ct) => state.notifier.NotifyAsync(state.payload, ct), (notifier, payload), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                await store.SaveNotificationAsync(notification with { Attempts = notification.Attempts + 1, LastError = ex.GetType().Name + ": " + ex.Message }, cancellationToken).ConfigureAwait(false);
                throw;
            }

            await store.SaveNotificationAsync(notification with { Attempts = notification.Attempts + 1, DeliveredAt = _job.TimeProvider.GetUtcNow(), LastError = null }, cancellationToken).ConfigureAwait(false);
            BatchKitDiagnostics.Notifications.Add(1, BatchKitDiagnostics.Tags(_job.Name, "batchkit.notification.outcome", "delivered"));
            Log.NotificationDelivered(_logger, _job.Name, runKey, eventId);
            return result;
        }
#pragma warning disable CA1031 // a completed run stays completed: the failure is logged and the notification stays pending
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
        {
            BatchKitDiagnostics.Notifications.Add(1, BatchKitDiagnostics.Tags(_job.Name, "batchkit.notification.outcome", "failed"));
            Log.NotificationFailed(_logger, ex, _job.Name, runKey, eventId);
            return result with { NotificationPending = true };
        }
    }
}
