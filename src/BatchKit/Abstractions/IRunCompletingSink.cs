namespace BatchKit;

/// <summary>
/// Implemented by sinks that publish the output of all partitions together, once every partition of a run has
/// completed: for example one set-based merge of the staged rows into a warehouse table, so readers never see a
/// half-loaded day. The runner calls it before it marks the run completed.
/// </summary>
/// <remarks>
/// It must be idempotent: a process that stops after it but before the run is marked completed calls it again on the
/// next run. Until it succeeds, the run is not completed, and the next run calls it again.
/// </remarks>
public interface IRunCompletingSink
{
    /// <summary>Publishes the run's output.</summary>
    /// <param name="context">The run, its partitions and the fencing token the publish is conditional on.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the output is published.</returns>
    ValueTask CompleteRunAsync(RunCompletionContext context, CancellationToken cancellationToken);
}
