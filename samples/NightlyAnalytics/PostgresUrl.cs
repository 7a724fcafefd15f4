using BatchKit.Postgres;
using Npgsql;

namespace NightlyAnalytics;

/// <summary>
/// Reads the two spellings of a PostgreSQL connection that <c>--state</c> and <c>--warehouse</c> accept: Npgsql's
/// keyword form (<c>Host=db;Username=app;Password=…;Database=analytics</c>) and the URL form libpq and most platforms
/// hand out (<c>postgres://app:secret@db:5432/analytics?sslmode=require</c>), through
/// <see cref="PostgresConnectionString"/>.
/// </summary>
internal static class PostgresUrl
{
    /// <summary>Returns an Npgsql connection string; a keyword form is returned as Npgsql reads it.</summary>
    /// <exception cref="UsageException">The URL or connection string is malformed (its text is not repeated: it may hold a password).</exception>
    public static string ToConnectionString(string value) => Parse(value).ConnectionString;

    /// <summary>Names the server and database (<c>host:port/database</c>) without user name or password.</summary>
    public static string Describe(string value)
    {
        try
        {
            return "postgresql " + PostgresConnectionString.Describe(Parse(value));
        }
        catch (UsageException)
        {
            return "postgresql (malformed connection string)";
        }
    }

    private static NpgsqlConnectionStringBuilder Parse(string value)
    {
        try
        {
            return PostgresConnectionString.Parse(value);
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }
    }
}
