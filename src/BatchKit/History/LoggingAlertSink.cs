using Microsoft.Extensions.Logging;

namespace BatchKit;

/// <summary>The default alert sink: logs each alert as a warning (<see cref="BatchKitEventId.SlaMissed"/>) in the category <c>BatchKit.Sla</c>.</summary>
public sealed class LoggingAlertSink : IAlertSink
{
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance of the <see cref="LoggingAlertSink"/> class.</summary>
    /// <param name="loggerFactory">The logger factory.</param>
    public LoggingAlertSink(ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _logger = loggerFactory.CreateLogger("BatchKit.Sla");
    }

    /// <inheritdoc/>
    public ValueTask RaiseAsync(SlaAlert alert, CancellationToken cancellationToken)
    {
        Log.SlaMissed(_logger, alert.JobName, alert.RunKey, alert.Result.Objective, alert.Result.Detail);
        return ValueTask.CompletedTask;
    }
}
