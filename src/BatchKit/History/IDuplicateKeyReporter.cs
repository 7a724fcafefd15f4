namespace BatchKit;

/// <summary>Implemented by sinks that can count the duplicate keys in what a run wrote, for the duplicates SLA (<see cref="SlaBuilder.NoDuplicates"/>).</summary>
public interface IDuplicateKeyReporter
{
    /// <summary>Counts the keys that occur more than once in the run's output.</summary>
    /// <param name="context">The run and its partitions.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The number of distinct keys written more than once.</returns>
    /// <remarks>Called before the run-level publish of an <see cref="IRunCompletingSink"/>, so it counts what is about to be published.</remarks>
    ValueTask<long> CountDuplicateKeysAsync(RunCompletionContext context, CancellationToken cancellationToken);
}
