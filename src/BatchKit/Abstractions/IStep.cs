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

/// <summary>
/// Aggregates the records of one partition and emits its results at the end of the partition. The executor creates
/// one instance per partition attempt, so an aggregator is never shared between threads.
/// </summary>
/// <typeparam name="TIn">The input record type.</typeparam>
/// <typeparam name="TOut">The result type.</typeparam>
/// <remarks>
/// A partition with an aggregating step is atomic: a resumed partition starts again from its first record, and its
/// sink should write with <see cref="WriteDisposition.ReplacePartition"/> or <see cref="WriteDisposition.Upsert"/>.
/// </remarks>
public interface IAggregator<in TIn, TOut>
{
    /// <summary>Adds a record to the aggregate.</summary>
    /// <param name="record">The record.</param>
    void Add(TIn record);

    /// <summary>Returns the results once every record of the partition has been added.</summary>
    /// <returns>The results.</returns>
    IEnumerable<TOut> Complete();
}

/// <summary>Checks a record before it reaches the steps.</summary>
/// <typeparam name="T">The record type.</typeparam>
public interface IRecordValidator<in T>
{
    /// <summary>Validates a record.</summary>
    /// <param name="record">The record.</param>
    /// <returns><see langword="null"/> when the record is valid; otherwise the reason it is not.</returns>
    string? Validate(T record);
}
