namespace BatchKit.Cli;

/// <summary>Finds a run by its RunKey hash or a unique prefix of it.</summary>
internal static class RunResolver
{
    public static async Task<RunRecord> ResolveAsync(ICheckpointStore store, string run, CancellationToken cancellationToken)
    {
        var text = run.Trim().ToLowerInvariant();
        if (text.Length == 0)
        {
            throw new CliException(ExitCodes.Usage, "The run id is empty: pass a RunKey hash or a prefix of it (see batchkit runs).");
        }

        if (text.Length == 64 && await store.GetRunAsync(text, cancellationToken).ConfigureAwait(false) is { } exact)
        {
            return exact;
        }

        var matches = (await store.ListRunsAsync(null, int.MaxValue, cancellationToken).ConfigureAwait(false))
            .Where(r => r.RunKey.StartsWith(text, StringComparison.Ordinal))
            .ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new CliException(ExitCodes.NotFound, $"No run with the id '{run}' is in the store (ids are RunKey hashes or prefixes of them; list them with batchkit runs)."),
            _ => throw new CliException(ExitCodes.NotFound, $"The run id '{run}' matches {matches.Count} runs ({string.Join(", ", matches.Take(5).Select(r => CliContext.Short(r.RunKey) + " " + r.JobName + "(" + r.Parameters + ")"))}); give more characters."),
        };
    }
}
