namespace BatchKit.Hosting;

/// <summary>What the scheduler does with the occurrences of a job that fell due while no host was running.</summary>
public enum MisfirePolicy
{
    /// <summary>Runs the latest missed occurrence once and forgets the earlier ones.</summary>
    RunOnce,

    /// <summary>Runs none of the missed occurrences; the job waits for its next occurrence.</summary>
    Skip,

    /// <summary>
    /// Runs every missed occurrence, oldest first, up to <see cref="JobScheduleOptions.MaxCatchUp"/>: when more were
    /// missed, the most recent ones are run and the older ones are logged as skipped.
    /// </summary>
    CatchUp,
}
