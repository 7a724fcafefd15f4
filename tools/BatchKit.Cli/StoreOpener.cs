namespace BatchKit.Cli;

/// <summary>Opens a state store from what <c>--store</c> says, choosing the provider by the shape of the text.</summary>
internal static class StoreOpener
{
    /// <summary>The providers, asked in order; the first that recognises the text opens it.</summary>
    private static readonly IStoreProvider[] Providers = [new PostgresStoreProvider(), new SqliteStoreProvider()];

    /// <summary>Opens the store, which must exist: the tool never creates one.</summary>
    /// <param name="store">A SQLite file path or a PostgreSQL connection string or URI.</param>
    /// <param name="schema">The PostgreSQL schema given with <c>--schema</c>, or <see langword="null"/> for the default.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    public static async Task<ICheckpointStore> OpenAsync(string store, string? schema, CancellationToken cancellationToken)
    {
        foreach (var provider in Providers)
        {
            if (provider.Recognizes(store))
            {
                return await provider.OpenAsync(store, schema, cancellationToken).ConfigureAwait(false);
            }
        }

        throw new CliException(ExitCodes.StoreUnsupported, "The store is not one batchkit can open.");
    }
}
