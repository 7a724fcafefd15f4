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

    public static KeyValuePair<string, object?>[] Parameter(string name, object? value) => [new(name, value)];
}
