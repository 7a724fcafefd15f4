using System.Globalization;
using Npgsql;

namespace BatchKit.Cli;

/// <summary>
/// Recognises PostgreSQL connection strings (Npgsql <c>Host=…;</c> keywords, or a libpq <c>postgres://</c> /
/// <c>postgresql://</c> URI) and converts URIs to Npgsql's form. Messages never repeat the text: it may hold a password.
/// </summary>
internal static class PostgresConnectionString
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

    public static bool IsUri(string text) =>
        text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase);

    public static bool Recognizes(string text) =>
        IsUri(text) || text.Contains('=', StringComparison.Ordinal) && Keywords.Any(k => text.Contains(k, StringComparison.OrdinalIgnoreCase));

    /// <summary>Parses the text into a connection string builder: keywords as they are, a URI converted.</summary>
    /// <exception cref="CliException">The text is malformed (exit code 5).</exception>
    public static NpgsqlConnectionStringBuilder Parse(string text)
    {
        try
        {
            return IsUri(text) ? FromUri(text) : new NpgsqlConnectionStringBuilder(text);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            // The message of a malformed keyword string may quote it: name only what is wrong in general terms.
            throw new CliException(
                ExitCodes.StoreUnsupported,
                $"The PostgreSQL {(IsUri(text) ? "URI" : "connection string")} given with --store is malformed ({Reason(e)}); it is not repeated here, as it may hold a password. "
                + "Use Npgsql keywords (Host=db;Port=5432;Database=app;Username=batch) or a URI (postgresql://batch@db:5432/app).");
        }
    }

    /// <summary>Names the server as <c>host:port/database</c>, without user name or password.</summary>
    public static string Describe(NpgsqlConnectionStringBuilder builder)
    {
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
