using System.Globalization;
using Npgsql;

namespace BatchKit.Postgres;

/// <summary>
/// Recognises PostgreSQL connection strings (Npgsql <c>Host=…;</c> keywords, or a libpq <c>postgres://</c> /
/// <c>postgresql://</c> URI, the form most platforms hand out) and converts URIs to Npgsql's form. Messages never
/// repeat the text: it may hold a password.
/// </summary>
/// <remarks>
/// A URI's user and password are percent-decoded; one or several hosts with ports (<c>[::1]:5432</c> too) become
/// Npgsql's <c>Host</c>; the parameters <c>sslmode</c> (<c>verify-full</c> becomes <c>VerifyFull</c>), <c>sslcert</c>,
/// <c>sslkey</c>, <c>sslrootcert</c>, <c>sslpassword</c>, <c>application_name</c>, <c>connect_timeout</c>,
/// <c>target_session_attrs</c>, <c>options</c>, <c>user</c>, <c>password</c>, <c>dbname</c>, <c>host</c> and <c>port</c>
/// are mapped, and any other parameter is taken as an Npgsql keyword. Service files, <c>.pgpass</c> and Unix socket
/// paths are not read.
/// </remarks>
public static class PostgresConnectionString
{
    private static readonly string[] Keywords = ["host=", "server=", "database=", "username=", "user id=", "port="];

    // libpq URI parameters whose Npgsql keyword differs; any other parameter is passed on as an Npgsql keyword.
    private static readonly Dictionary<string, string> UriParameters = new(StringComparer.OrdinalIgnoreCase)
    {
        ["sslmode"] = "SSL Mode",
        ["sslcert"] = "SSL Certificate",
        ["sslkey"] = "SSL Key",
        ["sslpassword"] = "SSL Password",
        ["sslrootcert"] = "Root Certificate",
        ["application_name"] = "Application Name",
        ["connect_timeout"] = "Timeout",
        ["target_session_attrs"] = "Target Session Attributes",
        ["options"] = "Options",
        ["user"] = "Username",
        ["password"] = "Password",
        ["dbname"] = "Database",
        ["host"] = "Host",
        ["port"] = "Port",
    };

    /// <summary>Tells whether the text is a libpq URI (<c>postgres://</c> or <c>postgresql://</c>).</summary>
    /// <param name="text">The text.</param>
    /// <returns><see langword="true"/> for a URI.</returns>
    public static bool IsUri(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Tells whether the text is a PostgreSQL connection string rather than, say, a file path: a URI, or Npgsql keywords
    /// (<c>Host=</c>, <c>Server=</c>, <c>Database=</c>, <c>Username=</c>, <c>User Id=</c>, <c>Port=</c>).
    /// </summary>
    /// <param name="text">The text.</param>
    /// <returns><see langword="true"/> for a PostgreSQL connection string.</returns>
    public static bool Recognizes(string text) =>
        IsUri(text) || text.Contains('=', StringComparison.Ordinal) && Keywords.Any(k => text.Contains(k, StringComparison.OrdinalIgnoreCase));

    /// <summary>Parses the text into a connection string builder: keywords as they are, a URI converted.</summary>
    /// <param name="text">Npgsql keywords or a libpq URI.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="FormatException">
    /// The text is malformed; the message says what kind of thing is wrong (an unknown keyword is named) without
    /// repeating the text, and suggests both forms.
    /// </exception>
    public static NpgsqlConnectionStringBuilder Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        try
        {
            return IsUri(text) ? FromUri(text) : new NpgsqlConnectionStringBuilder(text);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or OverflowException or ArgumentOutOfRangeException)
        {
            // The message of a malformed keyword string may quote it: name only what is wrong in general terms.
            throw new FormatException(
                $"The PostgreSQL {(IsUri(text) ? "URI" : "connection string")} is malformed ({Reason(e)}); it is not repeated here, as it may hold a password. "
                + "Use Npgsql keywords (Host=db;Port=5432;Database=app;Username=batch) or a URI (postgresql://batch@db:5432/app).");
        }
    }

    /// <summary>Names the server as <c>host:port/database</c>, without user name or password.</summary>
    /// <param name="builder">The connection string.</param>
    /// <returns>The name, for messages and logs.</returns>
    public static string Describe(NpgsqlConnectionStringBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var host = string.IsNullOrEmpty(builder.Host) ? "localhost" : builder.Host;
        return string.Create(CultureInfo.InvariantCulture, $"{host}:{builder.Port}/{builder.Database ?? builder.Username ?? "(default database)"}");
    }

    // A keyword error names the keyword ("Keyword not supported: 'x'"); other messages may hold a value, so only the kind is named.
    private static string Reason(Exception e) =>
        e is ArgumentException && e.Message.StartsWith("Keyword not supported", StringComparison.OrdinalIgnoreCase) ? e.Message.TrimEnd('.') : "a value or the syntax is invalid";

    private static NpgsqlConnectionStringBuilder FromUri(string text)
    {
        var rest = text[(text.IndexOf("://", StringComparison.Ordinal) + 3)..];
        var query = string.Empty;
        var questionMark = rest.IndexOf('?', StringComparison.Ordinal);
        if (questionMark >= 0)
        {
            query = rest[(questionMark + 1)..];
            rest = rest[..questionMark];
        }

        var database = string.Empty;
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            database = Uri.UnescapeDataString(rest[(slash + 1)..]);
            rest = rest[..slash];
        }

        var builder = new NpgsqlConnectionStringBuilder();
        var at = rest.LastIndexOf('@');
        if (at >= 0)
        {
            var userInfo = rest[..at];
            rest = rest[(at + 1)..];
            var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            builder.Username = Uri.UnescapeDataString(colon < 0 ? userInfo : userInfo[..colon]);
            if (colon >= 0)
            {
                builder.Password = Uri.UnescapeDataString(userInfo[(colon + 1)..]);
            }
        }

        var hosts = rest.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToList();
        if (hosts.Count == 1 && SplitPort(hosts[0]) is (var host, var port))
        {
            builder.Host = host;
            if (port is not null)
            {
                builder.Port = int.Parse(port, NumberStyles.None, CultureInfo.InvariantCulture);
            }
        }
        else if (hosts.Count > 1)
        {
            // Npgsql takes several hosts as one comma-separated Host, each with its own port.
            builder.Host = string.Join(",", hosts);
        }

        if (database.Length > 0)
        {
            builder.Database = database;
        }

        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? string.Empty : Uri.UnescapeDataString(pair[(equals + 1)..].Replace('+', ' '));
            if (string.Equals(name, "sslmode", StringComparison.OrdinalIgnoreCase))
            {
                value = value.Replace("-", string.Empty, StringComparison.Ordinal); // verify-full → VerifyFull
            }

            builder[UriParameters.TryGetValue(name, out var keyword) ? keyword : name] = value;
        }

        return builder;
    }

    // "host", "host:5432", "[::1]:5432", "[::1]".
    private static (string Host, string? Port) SplitPort(string hostAndPort)
    {
        if (hostAndPort.StartsWith('['))
        {
            var close = hostAndPort.IndexOf(']', StringComparison.Ordinal);
            var v6 = hostAndPort[1..close];
            return close + 1 < hostAndPort.Length && hostAndPort[close + 1] == ':' ? (v6, hostAndPort[(close + 2)..]) : (v6, null);
        }

        var colon = hostAndPort.LastIndexOf(':');
        return colon < 0 ? (hostAndPort, null) : (hostAndPort[..colon], hostAndPort[(colon + 1)..]);
    }
}
