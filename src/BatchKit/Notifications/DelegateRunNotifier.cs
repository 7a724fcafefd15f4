namespace BatchKit;

/// <summary>An <see cref="IRunNotifier"/> that calls a delegate.</summary>
internal sealed class DelegateRunNotifier(Func<RunCompletedEvent, CancellationToken, ValueTask> callback) : IRunNotifier
{
    public ValueTask NotifyAsync(RunCompletedEvent completed, CancellationToken cancellationToken) => callback(completed, cancellationToken);
}
