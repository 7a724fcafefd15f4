namespace BatchKit.Hosting;

/// <summary>The default <see cref="IBatchJobSlaCheck"/>: a run must complete within <see cref="JobScheduleOptions.Sla"/> of its start.</summary>
internal sealed class DurationSlaCheck : IBatchJobSlaCheck
{
    public ValueTask<string?> CheckAsync(BatchJobInfo job, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (job.Sla is not { } sla || job.LastRun is not { } run)
        {
            return ValueTask.FromResult<string?>(null);
        }

        var took = (run.EndedAt ?? now) - run.StartedAt;
        string? violation = took <= sla
            ? null
            : run.EndedAt is null
                ? $"the run started at {run.StartedAt:O} is still running after {took}, past its SLA of {sla}"
                : $"the last run took {took}, past its SLA of {sla}";
        return ValueTask.FromResult(violation);
    }
}
