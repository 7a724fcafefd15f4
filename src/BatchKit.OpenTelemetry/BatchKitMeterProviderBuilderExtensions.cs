using OpenTelemetry.Metrics;

namespace BatchKit;

/// <summary>Adds BatchKit's meter to an OpenTelemetry meter provider.</summary>
public static class BatchKitMeterProviderBuilderExtensions
{
    /// <summary>
    /// Collects BatchKit's metrics (durations, record counters, checkpoint lag, queue depth, error rate, retries, lease
    /// takeovers, active partitions, notifications) from the <see cref="BatchKitDiagnostics.MeterName"/> meter. Their
    /// tags are bounded (job name, status, stage, operation): partition ids and record keys are only on spans.
    /// </summary>
    /// <param name="builder">The meter provider builder.</param>
    /// <returns>The same builder instance, so calls can be chained.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static MeterProviderBuilder AddBatchKitInstrumentation(this MeterProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddMeter(BatchKitDiagnostics.MeterName);
    }
}
