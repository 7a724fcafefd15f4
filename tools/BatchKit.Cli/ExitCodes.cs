namespace BatchKit.Cli;

/// <summary>The exit codes of <c>batchkit</c>.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>An unexpected failure.</summary>
    public const int Failure = 1;

    /// <summary>Bad command-line arguments, or no store given.</summary>
    public const int Usage = 2;

    /// <summary>The store file does not exist, or the PostgreSQL database or schema holds no store.</summary>
    public const int StoreNotFound = 3;

    /// <summary>The store could not be opened: not a BatchKit store, or a schema version this tool does not know.</summary>
    public const int StoreUnreadable = 4;

    /// <summary>The store text is not one batchkit can open (a malformed PostgreSQL connection string or URI).</summary>
    public const int StoreUnsupported = 5;

    /// <summary>The run, partition or key is not in the store, or a run prefix matches several runs.</summary>
    public const int NotFound = 6;

    /// <summary>The change was refused: the run is held by a live process, or the effect is not in doubt.</summary>
    public const int Conflict = 7;

    /// <summary>The PostgreSQL server could not be reached, or refused the login.</summary>
    public const int StoreUnreachable = 8;
}
