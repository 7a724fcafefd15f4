using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace BatchKit.Hosting;

/// <summary>
/// Reports the last run of every registered job: unhealthy when one failed or timed out, degraded when one was
/// cancelled (it resumes), completed with side effects in doubt, or missed its SLA; healthy otherwise.
/// </summary>
internal sealed class BatchKitJobsHealthCheck(IBatchJobInventory inventory, IBatchJobSlaCheck sla, TimeProvider time) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var worst = HealthStatus.Healthy;
        var problems = new List<string>();
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        IReadOnlyList<BatchJobInfo> jobs;
        try
        {
            jobs = await inventory.GetJobsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"The job history could not be read: {ex.Message}", ex);
        }

        foreach (var job in jobs)
        {
            var run = job.LastRun;
            data[job.Name] = run?.Status.ToString() ?? "never run";
            var status = run?.Status switch
            {
                RunStatus.Failed or RunStatus.TimedOut => context.Registration.FailureStatus,
                RunStatus.Cancelled or RunStatus.CompletedWithDoubts => HealthStatus.Degraded,
                _ => HealthStatus.Healthy,
            };
            if (run is { Status: RunStatus.Cancelled, CancelRequestedAt: not null })
            {
                problems.Add($"{job.Name}: the last run ({run.Parameters}) was cancelled by {run.CancelRequestedBy ?? "a request"} at {run.CancelRequestedAt:O}; resume it with RunOptions.ResumeCancelled");
            }
            else if (status != HealthStatus.Healthy)
            {
                problems.Add($"{job.Name}: the last run ({run!.Parameters}) ended {run.Status}{(run.LastError is null ? "" : ": " + run.LastError)}");
            }

            if (await sla.CheckAsync(job, now, cancellationToken).ConfigureAwait(false) is { } violation)
            {
                problems.Add($"{job.Name}: {violation}");
                status = status < HealthStatus.Degraded ? status : HealthStatus.Degraded;
            }

            worst = status < worst ? status : worst;
        }

        var description = problems.Count == 0
            ? $"The last run of each of the {jobs.Count} job(s) succeeded (or none ran yet)."
            : string.Join("; ", problems);
        return new HealthCheckResult(worst, description, data: data);
    }
}
