using System.Globalization;
using Npgsql;

namespace BatchKit.Postgres.Internal;

/// <summary>Builds SQL text and commands, and names servers without their credentials.</summary>
internal static class Pg
{
    /// <summary>Quotes an identifier for PostgreSQL.</summary>
    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>Quotes a possibly schema-qualified name given as <c>schema.table</c> or <c>table</c>.</summary>
    public static string QuoteQualified(string name)
    {
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? Quote(name) : Quote(name[..dot]) + "." + Quote(name[(dot + 1)..]);
    }

    /// <summary>Creates a command with named parameters (<c>@name</c> in the text).</summary>
    public static NpgsqlCommand Command(NpgsqlConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    /// <summary>Converts an instant to what a <c>timestamptz</c> column takes: UTC, truncated to the millisecond.</summary>
    public static DateTimeOffset Utc(DateTimeOffset value) => DateTimeOffset.FromUnixTimeMilliseconds(value.ToUnixTimeMilliseconds());

    /// <summary>Describes the server of a data source (host, port, database) without user name or password, for messages.</summary>
    public static string Describe(NpgsqlDataSource dataSource)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
            var host = string.IsNullOrEmpty(builder.Host) ? "localhost" : builder.Host;
            return string.Create(CultureInfo.InvariantCulture, $"{host}:{builder.Port}/{builder.Database ?? "(default database)"}");
        }
        catch (ArgumentException)
        {
            return "(the configured PostgreSQL server)";
        }
    }

    /// <summary>
    /// Tells whether two data sources reach the same database as the same user: the same instance, or connection
    /// strings naming the same host (ignoring case), port, database and user name.
    /// </summary>
    public static bool SameDatabase(NpgsqlDataSource a, NpgsqlDataSource b)
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        try
        {
            var x = new NpgsqlConnectionStringBuilder(a.ConnectionString);
            var y = new NpgsqlConnectionStringBuilder(b.ConnectionString);
            return !string.IsNullOrEmpty(x.Host)
                && string.Equals(x.Host, y.Host, StringComparison.OrdinalIgnoreCase)
                && x.Port == y.Port
                && string.Equals(x.Username, y.Username, StringComparison.Ordinal)
                && string.Equals(x.Database ?? x.Username, y.Database ?? y.Username, StringComparison.Ordinal);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>
    /// Tells the server to end this session, rolling its transaction back, when it sits idle inside the transaction
    /// for longer than <paramref name="timeout"/> (at least a second): a process paused (SIGSTOP, a frozen VM) between
    /// two statements would otherwise keep its row locks, and block the worker that takes its lease over. Call it right
    /// after BEGIN; it applies to this transaction only (<c>SET LOCAL</c>). Nothing is set for a zero timeout.
    /// </summary>
    public static async Task LimitIdleInTransactionAsync(NpgsqlConnection connection, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (timeout <= TimeSpan.Zero)
        {
            return;
        }

        var milliseconds = (long)Math.Max(1000, Math.Min(int.MaxValue, timeout.TotalMilliseconds));
        await using var command = new NpgsqlCommand(string.Create(CultureInfo.InvariantCulture, $"SET LOCAL idle_in_transaction_session_timeout = {milliseconds}"), connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads a text column that may be NULL.</summary>
    public static string? GetStringOrNull(this NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    /// <summary>Reads a <c>timestamptz</c> column as an instant in UTC.</summary>
    public static DateTimeOffset GetInstant(this NpgsqlDataReader reader, int ordinal) => reader.GetFieldValue<DateTimeOffset>(ordinal);

    /// <summary>Reads a <c>timestamptz</c> column that may be NULL.</summary>
    public static DateTimeOffset? GetInstantOrNull(this NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);
}
