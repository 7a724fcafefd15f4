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

    /// <summary>Reads a text column that may be NULL.</summary>
    public static string? GetStringOrNull(this NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    /// <summary>Reads a <c>timestamptz</c> column as an instant in UTC.</summary>
    public static DateTimeOffset GetInstant(this NpgsqlDataReader reader, int ordinal) => reader.GetFieldValue<DateTimeOffset>(ordinal);

    /// <summary>Reads a <c>timestamptz</c> column that may be NULL.</summary>
    public static DateTimeOffset? GetInstantOrNull(this NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);
}
