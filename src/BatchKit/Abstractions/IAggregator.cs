namespace BatchKit;

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
