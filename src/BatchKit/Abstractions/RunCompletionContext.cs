namespace BatchKit;

/// <summary>Describes a run whose partitions have all completed, for <see cref="IRunCompletingSink.CompleteRunAsync"/>.</summary>
/// <param name="RunKey">The run.</param>
/// <param name="Partitions">The run's partitions (without the extract partitions of shuffled jobs), all completed.</param>
public sealed record RunCompletionContext(RunKey RunKey, IReadOnlyList<Partition> Partitions)
{
    /// <summary>Gets the fencing token of the process finalizing the run; the publish is conditional on it.</summary>
    /// <value>The default value is <see cref="FencingToken.Unfenced"/>; the runner always sets it.</value>
    public FencingToken Fence { get; init; } = FencingToken.Unfenced;
}
