using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace BatchKit.Tests.Telemetry;

/// <summary>
/// Collects BatchKit's spans and metrics through the OpenTelemetry SDK's in-memory exporter. The source and meter are
/// process-wide, so the captured data is filtered by the job name of the test.
/// </summary>
public sealed class TelemetryCapture : IDisposable
{
    private readonly List<Activity> _spans = [];
    private readonly List<MetricSnapshot> _metrics = [];
    private readonly TracerProvider _tracing;
    private readonly MeterProvider _meters;

    public TelemetryCapture(string jobName)
    {
        JobName = jobName;
        _tracing = Sdk.CreateTracerProviderBuilder().AddBatchKitInstrumentation().AddInMemoryExporter(_spans).Build()!;
        _meters = Sdk.CreateMeterProviderBuilder().AddBatchKitInstrumentation().AddInMemoryExporter(_metrics).Build()!;
    }

    public string JobName { get; }

    /// <summary>Gets the finished spans of the job.</summary>
    public IReadOnlyList<Activity> Spans
    {
        get
        {
            _tracing.ForceFlush();
            lock (_spans)
            {
                return _spans.Where(a => Equals(a.GetTagItem("batchkit.job.name"), JobName)).ToList();
            }
        }
    }

    /// <summary>Collects the instruments now (observable ones included) and returns every snapshot taken so far.</summary>
    public IReadOnlyList<MetricSnapshot> Collect()
    {
        _meters.ForceFlush();
        lock (_metrics)
        {
            return _metrics.ToList();
        }
    }

    /// <summary>Gets the points of a metric tagged with the job, from the last collection that has them.</summary>
    public IReadOnlyList<MetricPoint> Points(string name) =>
        Collect().LastOrDefault(m => m.Name == name && m.MetricPoints.Any(IsJob)) is { } metric ? metric.MetricPoints.Where(IsJob).ToList() : [];

    public long Sum(string name) => Points(name).Sum(p => p.GetSumLong());

    public static Dictionary<string, object?> TagsOf(MetricPoint point)
    {
        var tags = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var tag in point.Tags)
        {
            tags[tag.Key] = tag.Value;
        }

        return tags;
    }

    public void Dispose()
    {
        _tracing.Dispose();
        _meters.Dispose();
    }

    private bool IsJob(MetricPoint point) => Equals(TagsOf(point).GetValueOrDefault("batchkit.job.name"), JobName);
}
