namespace BatchKit;

/// <summary>Removes what old runs left behind: state (checkpoints, plans, error records, effects) and staging files.</summary>
public static class StaleStateCleanup
{
    /// <summary>Deletes the state and the staging files of runs that ended more than <paramref name="olderThan"/> ago.</summary>
    /// <param name="store">The checkpoint store.</param>
    /// <param name="olderThan">The age, for example 7 days.</param>
    /// <param name="stagingDirectory">The staging directory of shuffled jobs (<see cref="JobOptions.StagingDirectory"/>); <see langword="null"/> for the default (beside the state file of a <see cref="SqliteCheckpointStore"/>).</param>
    /// <param name="timeProvider">The clock; <see langword="null"/> for the system clock.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The RunKey hashes whose state was deleted.</returns>
    /// <remarks>
    /// Running runs are never touched, whatever their age. Staging folders are removed only with their run's state:
    /// a resumable run whose extract stage completed still needs them.
    /// </remarks>
    public static async Task<IReadOnlyList<string>> CleanupAsync(ICheckpointStore store, TimeSpan olderThan, string? stagingDirectory = null, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentOutOfRangeException.ThrowIfLessThan(olderThan, TimeSpan.Zero);
        var cutoff = (timeProvider ?? TimeProvider.System).GetUtcNow() - olderThan;
        var deleted = await store.DeleteRunsEndedBeforeAsync(cutoff, cancellationToken).ConfigureAwait(false);
        var root = stagingDirectory ?? StagingLayout.DefaultRoot(store);
        if (Directory.Exists(root))
        {
            var shortKeys = deleted.Select(k => "-" + k[..12]).ToHashSet(StringComparer.Ordinal);
            foreach (var directory in Directory.GetDirectories(root))
            {
                var name = Path.GetFileName(directory);
                if (shortKeys.Any(k => name.EndsWith(k, StringComparison.Ordinal)))
                {
                    Directory.Delete(directory, recursive: true);
                }
            }
        }

        return deleted;
    }
}
