using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace BatchKit;

/// <summary>
/// The names of BatchKit's <see cref="System.Diagnostics.Metrics.Meter"/> and <see cref="System.Diagnostics.ActivitySource"/>,
/// for OpenTelemetry: subscribe with <c>AddSource(BatchKitDiagnostics.Name)</c> and <c>AddMeter(BatchKitDiagnostics.Name)</c>,
/// or with <c>AddBatchKitInstrumentation()</c> from the BatchKit.OpenTelemetry package.
/// </summary>
/// <remarks>
/// Spans: <c>batchkit.run</c> (one run attempt of this worker) → <c>batchkit.partition</c> (one partition attempt) →
/// <c>batchkit.chunk.commit</c> (one chunk written, committed and queued for its checkpoint). Metric tags are bounded:
/// <c>batchkit.job.name</c>, a status, a stage or an operation; partition ids, RunKeys and record keys are only on spans.
/// </remarks>
public static class BatchKitDiagnostics
{
    /// <summary>The name of the meter and of the activity source: <c>BatchKit</c>.</summary>
    public const string Name = "BatchKit";

    /// <summary>The name of the activity source: <c>BatchKit</c> (the same as <see cref="Name"/>).</summary>
    public const string ActivitySourceName = Name;

    /// <summary>The name of the meter: <c>BatchKit</c> (the same as <see cref="Name"/>).</summary>
    public const string MeterName = Name;

    internal const string JobTag = "batchkit.job.name";

    internal static readonly ActivitySource ActivitySource = new(Name, typeof(BatchKitDiagnostics).Assembly.GetName().Version?.ToString());

    internal static readonly Meter Meter = new(Name, typeof(BatchKitDiagnostics).Assembly.GetName().Version?.ToString());

    /// <summary>Tagged with the job and <c>batchkit.run.status</c>.</summary>
    internal static readonly Histogram<double> JobDuration = Meter.CreateHistogram<double>("batchkit.job.duration", "s", "Duration of run attempts.");

    /// <summary>Tagged with the job and <c>batchkit.partition.status</c>.</summary>
    internal static readonly Histogram<double> PartitionDuration = Meter.CreateHistogram<double>("batchkit.partition.duration", "s", "Duration of partition attempts.");

    internal static readonly Counter<long> ItemsRead = Meter.CreateCounter<long>("batchkit.items.read", "{item}", "Input records read, bad ones included.");

    internal static readonly Counter<long> ItemsProcessed = Meter.CreateCounter<long>("batchkit.items.processed", "{item}", "Records written to sinks.");

    internal static readonly Counter<long> ItemsFailed = Meter.CreateCounter<long>("batchkit.items.failed", "{item}", "Records skipped as bad and sent to the error store.");

    internal static readonly Counter<long> ItemsInDoubt = Meter.CreateCounter<long>("batchkit.items.in_doubt", "{item}", "Records whose side effect is in doubt.");

    internal static readonly UpDownCounter<long> PartitionsActive = Meter.CreateUpDownCounter<long>("batchkit.partitions.active", "{partition}", "Partitions being processed.");

    /// <summary>Tagged with the job and <c>batchkit.partition.status</c>: <c>completed</c>, <c>failed</c> (will be retried or not), <c>lease_lost</c> or <c>handed_back</c>.</summary>
    internal static readonly Counter<long> PartitionAttempts = Meter.CreateCounter<long>("batchkit.partition.attempts", "{attempt}", "Partition attempts ended, by outcome.");

    /// <summary>Tagged with the job and <c>batchkit.operation</c>: <c>source read</c>, <c>sink write</c>, <c>partition</c> or <c>notification</c>.</summary>
    internal static readonly Counter<long> Retries = Meter.CreateCounter<long>("batchkit.retries", "{retry}", "Retries of source reads, sink writes, partitions and notifications.");

    /// <summary>Tagged with the job and <c>batchkit.lease.kind</c>: <c>run</c> or <c>partition</c>.</summary>
    internal static readonly Counter<long> LeaseTakeovers = Meter.CreateCounter<long>("batchkit.lease.takeovers", "{takeover}", "Run or partition leases taken over from a worker that expired or is gone.");

    /// <summary>Tagged with the job and <c>batchkit.late.kind</c>: <c>changed</c>, <c>appeared</c> or <c>vanished</c>.</summary>
    internal static readonly Counter<long> LatePartitions = Meter.CreateCounter<long>("batchkit.partitions.late", "{partition}", "Partitions of completed runs reconciled because their input changed, appeared or vanished after the run completed.");

    /// <summary>Tagged with the job and <c>batchkit.notification.outcome</c>: <c>delivered</c> or <c>failed</c>.</summary>
    internal static readonly Counter<long> Notifications = Meter.CreateCounter<long>("batchkit.notifications", "{notification}", "Run completion notifications attempted.");

    internal static readonly ObservableGauge<double> CheckpointLag = Meter.CreateObservableGauge("batchkit.checkpoint.lag", TelemetryRegistry.CheckpointLag, "s", "Per job, the longest time since the last durable checkpoint of a partition running in this process (since its start when it has none yet).");

    internal static readonly ObservableGauge<long> QueueDepth = Meter.CreateObservableGauge("batchkit.queue.depth", TelemetryRegistry.QueueDepth, "{chunk}", "Chunks waiting in the channel before each stage, summed over the partitions running in this process.");

    internal static readonly ObservableGauge<double> ErrorRate = Meter.CreateObservableGauge("batchkit.run.error_rate", TelemetryRegistry.ErrorRate, "1", "Per job, bad records over records read so far by the run attempts running in this process.");

    internal static KeyValuePair<string, object?> Job(string jobName) => new(JobTag, jobName);

    internal static TagList Tags(string jobName, string key, string value) => new() { { JobTag, jobName }, { key, value } };
}
