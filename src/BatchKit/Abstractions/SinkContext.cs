namespace BatchKit;

/// <summary>Describes the partition attempt a sink writer is opened for.</summary>
/// <param name="RunKey">The run.</param>
/// <param name="Partition">The partition.</param>
/// <param name="ResumePosition">
/// The position returned by <see cref="ISinkWriter{T}.CommitAsync"/> before the partition's last checkpoint, or
/// <see langword="null"/> when the partition starts from its beginning and any earlier partial output of it must be
/// discarded.
/// </param>
public sealed record SinkContext(RunKey RunKey, Partition Partition, long? ResumePosition)
{
    /// <summary>
    /// Gets the attempt's fencing token. Every step that deletes, truncates, renames into place, commits or publishes
    /// output is conditional on it.
    /// </summary>
    /// <value>The default value is <see cref="FencingToken.Unfenced"/>, for sinks used outside a <see cref="JobRunner"/>; the runner always sets it.</value>
    public FencingToken Fence { get; init; } = FencingToken.Unfenced;
}
