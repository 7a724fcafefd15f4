namespace BatchKit.Hosting;

/// <summary>
/// Decides whether a job's last run met its SLA, for the job health check. The default compares the last run's
/// duration (or, while it runs, its age) with <see cref="JobScheduleOptions.Sla"/>; register another implementation
/// in the container to use richer SLAs (freshness, counts) from the run history.
/// </summary>
public interface IBatchJobSlaCheck
{
    /// <summary>Checks a job's last run against its SLA.</summary>
    /// <param name="job">The job with its last run (<see cref="BatchJobInfo.LastRun"/>).</param>
    /// <param name="now">The current time.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns><see langword="null"/> when the SLA is met (or the job has none); otherwise a sentence saying how it was missed.</returns>
    ValueTask<string?> CheckAsync(BatchJobInfo job, DateTimeOffset now, CancellationToken cancellationToken);
}
