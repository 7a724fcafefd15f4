namespace BatchKit;

/// <summary>
/// A processing step: receives one record and emits zero or more records. One instance serves every partition, in
/// parallel: keep per-partition state out of it (use an <see cref="IAggregator{TIn, TOut}"/> for that).
/// </summary>
/// <typeparam name="TIn">The input record type.</typeparam>
/// <typeparam name="TOut">The output record type.</typeparam>
public interface IStep<TIn, TOut>
{
    /// <summary>Processes one record.</summary>
    /// <param name="record">The input record.</param>
    /// <param name="output">Receives the records this step emits for <paramref name="record"/>.</param>
    /// <param name="context">The run, partition and step.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the record has been processed.</returns>
    /// <remarks>
    /// An exception sends <paramref name="record"/> to the error store and skips it, when the job's skip policy
    /// allows it; otherwise the partition fails.
    /// </remarks>
    ValueTask ExecuteAsync(TIn record, StepOutput<TOut> output, StepContext context, CancellationToken cancellationToken);
}
