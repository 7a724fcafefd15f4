using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace BatchKit;

/// <summary>The names of BatchKit's <see cref="System.Diagnostics.Metrics.Meter"/> and <see cref="System.Diagnostics.ActivitySource"/>, for OpenTelemetry.</summary>
public static class BatchKitDiagnostics
{
    /// <summary>The name of the meter and of the activity source: <c>BatchKit</c>.</summary>
    public const string Name = "BatchKit";

    internal static readonly ActivitySource ActivitySource = new(Name, typeof(BatchKitDiagnostics).Assembly.GetName().Version?.ToString());

    internal static readonly Meter Meter = new(Name, typeof(BatchKitDiagnostics).Assembly.GetName().Version?.ToString());

    internal static readonly Histogram<double> JobDuration = Meter.CreateHistogram<double>("batchkit.job.duration", "s", "Duration of run attempts.");

    internal static readonly Counter<long> ItemsProcessed = Meter.CreateCounter<long>("batchkit.items.processed", "{item}", "Records written to sinks.");

    internal static readonly Counter<long> ItemsFailed = Meter.CreateCounter<long>("batchkit.items.failed", "{item}", "Records sent to the error store.");

    internal static readonly UpDownCounter<long> PartitionsActive = Meter.CreateUpDownCounter<long>("batchkit.partitions.active", "{partition}", "Partitions being processed.");
}
