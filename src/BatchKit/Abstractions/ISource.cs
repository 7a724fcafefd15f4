namespace BatchKit;

/// <summary>
/// Reads the records of one partition, starting at a position saved by an earlier checkpoint.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
public interface ISource<T>
{
    /// <summary>Opens a partition for reading at <see cref="SourceContext.Position"/>.</summary>
    /// <param name="context">The run, partition and resume position.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A reader positioned at <see cref="SourceContext.Position"/>.</returns>
    ValueTask<ISourceReader<T>> OpenAsync(SourceContext context, CancellationToken cancellationToken);
}
