namespace BatchKit.Cli;

/// <summary>Opens a state store from what <c>--store</c> says, choosing the provider by the shape of the text.</summary>
internal static class StoreOpener
{
    /// <summary>The providers, asked in order; the first that recognises the text opens it.</summary>
    private static readonly IStoreProvider[] Providers = [new PostgresStoreProvider(), new SqliteStoreProvider()];

    public static ICheckpointStore Open(string store)
    {
        foreach (var provider in Providers)
        {
            if (provider.Recognizes(store))
            {
                return provider.Open(store);
            }
        }

        throw new CliException(ExitCodes.StoreUnsupported, $"'{store}' is not a store batchkit can open.");
    }
}

/// <summary>One kind of state store.</summary>
internal interface IStoreProvider
{
    bool Recognizes(string store);

    ICheckpointStore Open(string store);
}

/// <summary>A PostgreSQL connection string (<c>Host=…;</c> keywords or a <c>postgres://</c> URI).</summary>
internal sealed class PostgresStoreProvider : IStoreProvider
{
    private static readonly string[] Keywords = ["host=", "server=", "database=", "username=", "user id="];

    public bool Recognizes(string store) =>
        store.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
        || store.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
        || (store.Contains(';', StringComparison.Ordinal) || store.Contains('=', StringComparison.Ordinal))
            && Keywords.Any(k => store.Contains(k, StringComparison.OrdinalIgnoreCase));

    public ICheckpointStore Open(string store) => throw new CliException(
        ExitCodes.StoreUnsupported,
        "The store looks like a PostgreSQL connection string, but this version of batchkit reads SQLite state files only: "
        + "pass the path of the job's state file (for example batchkit-state.db).");
}

/// <summary>A SQLite state file, which must exist: the tool never creates a store.</summary>
internal sealed class SqliteStoreProvider : IStoreProvider
{
    public bool Recognizes(string store) => true;

    public ICheckpointStore Open(string store)
    {
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
            return new SqliteCheckpointStore(path);
        }
        catch (BatchKitException ex)
        {
            throw new CliException(ExitCodes.StoreUnreadable, ex.Message, ex);
        }
    }
}
