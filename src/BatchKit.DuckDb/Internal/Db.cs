using DuckDB.NET.Data;

namespace BatchKit.DuckDb.Internal;

/// <summary>Runs DuckDB commands with named parameters and cancellation.</summary>
internal static class Db
{
    public static DuckDBConnection Open(string connectionString)
    {
        var connection = new DuckDBConnection(connectionString);
        try
        {
            connection.Open();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens a connection for one short operation of a sink. A database file locked by another process (one that is
    /// still writing, or paused while holding it) is infrastructure, not a failure of the partition: the open is retried
    /// with backoff for up to <paramref name="lockTimeout"/>, and the fencing token is checked before every try, so a
    /// process that wakes from a pause stops before it touches the file again.
    /// </summary>
    public static async ValueTask<DuckDBConnection> OpenForWriteAsync(
        string connectionString, TimeSpan lockTimeout, FencingToken fence, string table, CancellationToken cancellationToken)
    {
        var started = TimeProvider.System.GetTimestamp();
        var delay = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            await fence.EnsureCurrentAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return Open(connectionString);
            }
            catch (DuckDBException e) when (IsLockConflict(e))
            {
                var waited = TimeProvider.System.GetElapsedTime(started);
                if (waited >= lockTimeout)
                {
                    throw new BatchKitException(
                        $"DuckDB sink of table '{table}' waited {waited.TotalSeconds:F1} s (LockTimeout) for the database file, which another process holds: {LockHolder(e)}. " +
                        "A paused or hung process keeps the file locked until it exits or resumes.",
                        e)
                    {
                        IsTransient = true,
                    };
                }

                await Task.Delay(Min(delay, lockTimeout - waited), cancellationToken).ConfigureAwait(false);
                delay = Min(delay * 2, TimeSpan.FromSeconds(1));
            }
        }
    }

    /// <summary>Gets a value indicating whether DuckDB failed to open a file because another process holds its lock.</summary>
    public static bool IsLockConflict(DuckDBException exception) =>
        exception.Message.Contains("Could not set lock on file", StringComparison.Ordinal);

    /// <summary>Returns the part of DuckDB's lock-conflict message that names the holder (its program and PID).</summary>
    public static string LockHolder(DuckDBException exception)
    {
        var message = exception.Message;
        var at = message.IndexOf("Conflicting lock is held in", StringComparison.Ordinal);
        if (at < 0)
        {
            return message;
        }

        var end = message.IndexOf(". ", at, StringComparison.Ordinal);
        return (end < 0 ? message[at..] : message[at..end]).Trim();
    }

    public static int Execute(DuckDBConnection connection, string sql, CancellationToken cancellationToken, params IEnumerable<KeyValuePair<string, object?>>[] parameters)
    {
        using var command = Create(connection, sql, parameters);
        return Run(command, static c => c.ExecuteNonQuery(), cancellationToken);
    }

    public static long Count(DuckDBConnection connection, string sql, CancellationToken cancellationToken, params IEnumerable<KeyValuePair<string, object?>>[] parameters)
    {
        using var command = Create(connection, sql, parameters);
        return Run(command, static c => Convert.ToInt64(c.ExecuteScalar() ?? 0L, System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
    }

    public static DuckDBCommand Create(DuckDBConnection connection, string sql, IEnumerable<IEnumerable<KeyValuePair<string, object?>>> parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters.SelectMany(p => p))
        {
            command.Parameters.Add(new DuckDBParameter(name, value ?? DBNull.Value));
        }

        return command;
    }

    public static TResult Run<TResult>(DuckDBCommand command, Func<DuckDBCommand, TResult> action, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var registration = cancellationToken.Register(static c => ((DuckDBCommand)c!).Cancel(), command);
        try
        {
            return action(command);
        }
        catch (DuckDBException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    public static KeyValuePair<string, object?>[] Parameter(string name, object? value) => [new(name, value)];
}
