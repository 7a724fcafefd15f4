namespace BatchKit;

/// <summary>Receives the alerts of missed SLA objectives; a host routes them (log, webhook, pager, OpenTelemetry).</summary>
/// <remarks>
/// Called once per missed objective at the end of a run attempt, after the attempt's history is recorded. An exception
/// it throws is logged and does not change the run's outcome. <see cref="LoggingAlertSink"/> is the default.
/// </remarks>
public interface IAlertSink
{
    /// <summary>Raises an alert.</summary>
    /// <param name="alert">The alert.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the alert was handed on.</returns>
    ValueTask RaiseAsync(SlaAlert alert, CancellationToken cancellationToken);
}
