namespace BatchKit;

/// <summary>
/// Tells something downstream that a run completed (<see cref="JobBuilder{T}.OnCompleted(IRunNotifier)"/>), for example
/// to trigger the next job. <see cref="WebhookNotifier"/> posts the event to an HTTP endpoint.
/// </summary>
/// <remarks>
/// Delivery is at least once: the runner records the event as pending in the checkpoint store before it calls
/// <see cref="NotifyAsync"/>, and as delivered once the call returned. A call that throws (after the job's retries) leaves
/// the event pending, and the next run of the same RunKey delivers it again with the same
/// <see cref="RunCompletedEvent.EventId"/>; a crash between a successful call and its record repeats it too. Consumers drop
/// repeated deliveries by the event id.
/// </remarks>
public interface IRunNotifier
{
    /// <summary>Delivers the completion event of a run.</summary>
    /// <param name="completed">The event.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes once the event was accepted downstream; a failure leaves the event pending.</returns>
    ValueTask NotifyAsync(RunCompletedEvent completed, CancellationToken cancellationToken);
}
