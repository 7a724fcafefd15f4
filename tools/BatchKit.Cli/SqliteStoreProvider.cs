namespace BatchKit.Cli;

/// <summary>A SQLite state file, which must exist: the tool never creates a store.</summary>
internal sealed class SqliteStoreProvider : IStoreProvider
{
    public bool Recognizes(string store) => true;

    public Task<ICheckpointStore> OpenAsync(string store, string? schema, CancellationToken cancellationToken)
    {
        if (schema is not null)
        {
            throw new CliException(ExitCodes.Usage, "--schema applies to a PostgreSQL store only; a SQLite state file has no schemas. Drop --schema, or pass a PostgreSQL connection string with --store.");
        }

        var path = Path.GetFullPath(store);
        if (Directory.Exists(path))
        {
            throw new CliException(ExitCodes.StoreNotFound, $"The store '{path}' is a folder; pass the state file in it (for example {Path.Combine(path, "batchkit-state.db")}).");
        }

        if (!File.Exists(path))
        {
            throw new CliException(ExitCodes.StoreNotFound, $"The state file '{path}' does not exist. Pass the file a job writes its state to with --store or BATCHKIT_STORE.");
        }

        if (new FileInfo(path).Length == 0)
        {
            throw new CliException(ExitCodes.StoreUnreadable, $"The file '{path}' is empty: it is not a BatchKit state store.");
        }

        try
        {
            return Task.FromResult<ICheckpointStore>(new SqliteCheckpointStore(path));
        }
        catch (BatchKitException ex)
        {
            throw new CliException(ExitCodes.StoreUnreadable, ex.Message, ex);
        }
    }
}
