namespace BatchKit;

/// <summary>
/// Splits a job's input into deterministic partitions. The plan is computed once per run, persisted, and reused by
/// every resumed attempt of the run.
/// </summary>
public interface IPartitioner
{
    /// <summary>Computes the partitions of a run.</summary>
    /// <param name="context">The run being planned.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The partitions, in a stable order, with unique ids.</returns>
    ValueTask<IReadOnlyList<Partition>> PlanAsync(PartitionPlanContext context, CancellationToken cancellationToken);

    /// <summary>
    /// Gets a description of the partitioner's configuration (what it lists and how it splits it), recorded with the
    /// frozen plan: a resumed run whose partitioner describes itself differently fails with
    /// <see cref="PlanMismatchException"/>. Also names where the partitioner looked when it found no input.
    /// </summary>
    /// <value>The default value is the partitioner's type name; override it to include the settings that shape the plan.</value>
    string Definition => GetType().FullName ?? GetType().Name;
}
