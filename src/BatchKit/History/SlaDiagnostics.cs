using System.Diagnostics.Metrics;

namespace BatchKit;

/// <summary>The SLA instruments of the <c>BatchKit</c> meter.</summary>
internal static class SlaDiagnostics
{
    /// <summary>One per objective evaluated, tagged with the job, the objective and <c>batchkit.sla.outcome</c> (<c>met</c> or <c>missed</c>).</summary>
    public static readonly Counter<long> Evaluations = BatchKitDiagnostics.Meter.CreateCounter<long>("batchkit.sla.evaluations", "{evaluation}", "SLA objectives evaluated at the end of run attempts.");

    /// <summary>The measured value of each objective at the last evaluation, tagged with the job and the objective.</summary>
    public static readonly Gauge<double> Value = BatchKitDiagnostics.Meter.CreateGauge<double>("batchkit.sla.value", null, "The measured value of an SLA objective at the end of the last run attempt.");

    public static void Record(string jobName, SlaResult result)
    {
        var job = new KeyValuePair<string, object?>("batchkit.job.name", jobName);
        var objective = new KeyValuePair<string, object?>("batchkit.sla.objective", result.Objective);
        Evaluations.Add(1, job, objective, new KeyValuePair<string, object?>("batchkit.sla.outcome", result.Passed ? "met" : "missed"));
        if (result.Actual is { } actual)
        {
            Value.Record(actual, job, objective);
        }
    }
}
