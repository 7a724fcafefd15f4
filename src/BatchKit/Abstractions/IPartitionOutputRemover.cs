namespace BatchKit;

/// <summary>
/// Implemented by sinks that publish one output (a file, an object) per partition: removes the published output of a
/// partition. When a run is reprocessed, the runner calls it for every partition of the old plan that the new plan no
/// longer holds (for example because its input file was removed), so no stale output is left beside the new.
/// </summary>
public interface IPartitionOutputRemover
{
    /// <summary>Removes the published output of a partition; does nothing when there is none.</summary>
    /// <param name="context">The run, the partition of the old plan, and the fencing token the removal is conditional on.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the output is gone.</returns>
    /// <remarks>Must be idempotent: a crash after it but before the new plan's partitions complete repeats it.</remarks>
    ValueTask RemovePartitionOutputAsync(SinkContext context, CancellationToken cancellationToken);
}
