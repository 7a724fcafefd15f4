namespace BatchKit;

/// <summary>
/// An aggregator whose partial results merge (counts and sums add, minimums and maximums compare, distinct counts
/// merge exact sets): a job aggregates each input partition before the shuffle and moves partial results, not records
/// (<see cref="JobBuilder{T}.AggregateBy{TPartial, TOut, TPartitioner}"/>).
/// </summary>
/// <typeparam name="TIn">The input record type.</typeparam>
/// <typeparam name="TPartial">A partial result: the aggregate of some records of one result key.</typeparam>
/// <typeparam name="TOut">The result type.</typeparam>
/// <remarks>
/// An extract partition's instance receives <see cref="IAggregator{TIn, TOut}.Add"/> for each of its records, then
/// <see cref="CompletePartials"/>; a target partition's instance receives <see cref="Merge"/> for each partial result
/// routed to it, then <see cref="IAggregator{TIn, TOut}.Complete"/>. The results must not depend on how the records
/// were split into partials, nor on the order in which partials arrive: merging the partials of any split must give
/// what adding every record to one instance gives.
/// </remarks>
public interface ICombiningAggregator<in TIn, TPartial, TOut> : IAggregator<TIn, TOut>
{
    /// <summary>Returns the partial results of the records added so far, one or more per result key.</summary>
    /// <returns>The partial results.</returns>
    IEnumerable<TPartial> CompletePartials();

    /// <summary>Merges a partial result that an instance returned from <see cref="CompletePartials"/>.</summary>
    /// <param name="partial">The partial result.</param>
    void Merge(TPartial partial);
}
