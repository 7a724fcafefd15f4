namespace BatchKit.Hosting;

/// <summary>
/// The jobs registered with <see cref="BatchKitServiceCollectionExtensions.AddBatchKit"/>: their schedules, next and
/// last runs (for a dashboard or a health endpoint), the built jobs, and the RunKey an occurrence maps to (so a manual
/// rerun of a day is the same run as the scheduled one).
/// </summary>
/// <remarks>Resolve it from the container; it is a thread-safe singleton.</remarks>
public interface IBatchJobInventory
{
    /// <summary>Gets the names of the registered jobs, in registration order.</summary>
    IReadOnlyList<string> JobNames { get; }

    /// <summary>Lists the registered jobs with their next run and their last run from the state store.</summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The jobs, in registration order.</returns>
    ValueTask<IReadOnlyList<BatchJobInfo>> GetJobsAsync(CancellationToken cancellationToken);

    /// <summary>Gets a registered job, built with the host's store, logger factory and time provider.</summary>
    /// <param name="name">The job name.</param>
    /// <returns>The job; run it with a <see cref="JobRunner"/>.</returns>
    /// <exception cref="ArgumentException">No job of that name is registered.</exception>
    Job GetJob(string name);

    /// <summary>Gets the run parameters the scheduler uses for an occurrence of a job (its RunKey function).</summary>
    /// <param name="name">The job name.</param>
    /// <param name="occurrence">The occurrence.</param>
    /// <returns>The run parameters.</returns>
    /// <exception cref="ArgumentException">No job of that name is registered.</exception>
    RunParameters GetRunParameters(string name, DateTimeOffset occurrence);
}
