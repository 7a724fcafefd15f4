using System.Globalization;
using Npgsql;

namespace NightlyAnalytics;

/// <summary>
/// Reads the two spellings of a PostgreSQL connection that <c>--state</c> and <c>--warehouse</c> accept: Npgsql's
/// keyword form (<c>Host=db;Username=app;Password=…;Database=analytics</c>) and the URL form libpq and most platforms
/// hand out (<c>postgres://app:secret@db:5432/analytics?sslmode=require</c>).
/// </summary>
internal static class PostgresUrl
{
    /// <summary>Returns an Npgsql connection string; a keyword form is returned unchanged.</summary>
    /// <exception cref="UsageException">The URL or connection string is malformed (its text is not repeated: it may hold a password).</exception>
    public static string ToConnectionString(string value)
    {
        if (!value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) && !value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            return Builder(value).ConnectionString;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            throw new UsageException("a PostgreSQL URL must look like postgres://user:password@host:port/database (the value given is not repeated, as it may hold a password).");
        }

        var builder = new NpgsqlConnectionStringBuilder { Host = uri.Host };
        if (uri.Port > 0)
        {
            builder.Port = uri.Port;
        }

        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            builder.Username = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            if (colon >= 0)
            {
                builder.Password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            }
        }

        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length > 0)
        {
            builder.Database = database;
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
            var text = eq < 0 ? string.Empty : Uri.UnescapeDataString(pair[(eq + 1)..]);
            try
            {
                builder[key.Equals("sslmode", StringComparison.OrdinalIgnoreCase) ? "SSL Mode" : key] = text;
            }
            catch (ArgumentException)
            {
                throw new UsageException($"the PostgreSQL URL has the parameter '{key}', which Npgsql does not know.");
            }
        }

        return builder.ConnectionString;
    }

    /// <summary>Names the server and database (<c>host:port/database</c>) without user name or password.</summary>
    public static string Describe(string value)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(ToConnectionString(value));
            return string.Create(CultureInfo.InvariantCulture, $"postgresql {builder.Host}:{builder.Port}/{builder.Database ?? "(default database)"}");
        }
        catch (UsageException)
        {
            return "postgresql (malformed connection string)";
        }
    }

    private static NpgsqlConnectionStringBuilder Builder(string value)
    {
        try
        {
            return new NpgsqlConnectionStringBuilder(value);
        }
        catch (ArgumentException)
        {
            throw new UsageException("the PostgreSQL connection string is malformed (it is not repeated here, as it may hold a password).");
        }
    }
}
