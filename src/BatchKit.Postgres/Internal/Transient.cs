using Npgsql;

namespace BatchKit.Postgres.Internal;

/// <summary>Tells which PostgreSQL failures a retry may cure.</summary>
internal static class Transient
{
    /// <summary>
    /// Gets whether a failure is worth retrying: Npgsql's own judgement, plus a connection that broke or whose backend
    /// was terminated (SQLSTATE class 08, 57P01-57P03, and 25P03: the server ended a session left idle inside a
    /// transaction, rolling it back), deadlocks and serialization failures.
    /// </summary>
    public static bool Is(NpgsqlException e) =>
        e.IsTransient
        || e is PostgresException { SqlState: var state } && (state.StartsWith("08", StringComparison.Ordinal) || state is "57P01" or "57P02" or "57P03" or "25P03" or "40001" or "40P01")
        || e is not PostgresException && e.InnerException is IOException or TimeoutException or System.Net.Sockets.SocketException;
}
