namespace BatchKit.Hosting;

/// <summary>
/// Remembers, per job, the last scheduled occurrence a host claimed, so a restarted host knows which occurrences it
/// missed (the misfire policy) and several hosts sharing one state never start the same occurrence twice.
/// </summary>
/// <remarks>
/// Implementations are thread-safe and shared by every host process of the same state: a claim must be one atomic
/// compare-and-set in the storage (for example <c>UPDATE … WHERE last &lt; @occurrence</c>).
/// </remarks>
public interface IScheduleStateStore
{
    /// <summary>Gets the last occurrence claimed for a job.</summary>
    /// <param name="jobName">The job name.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The occurrence, or <see langword="null"/> if no occurrence of the job was ever claimed.</returns>
    ValueTask<DateTimeOffset?> GetLastOccurrenceAsync(string jobName, CancellationToken cancellationToken);

    /// <summary>Claims an occurrence of a job: succeeds only if no later or equal occurrence was claimed before.</summary>
    /// <param name="jobName">The job name.</param>
    /// <param name="occurrence">The occurrence.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns><see langword="true"/> if this caller claimed it and runs it; <see langword="false"/> if another caller (or an earlier start) did.</returns>
    ValueTask<bool> TryClaimAsync(string jobName, DateTimeOffset occurrence, CancellationToken cancellationToken);
}
