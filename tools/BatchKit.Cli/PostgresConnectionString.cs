using Npgsql;

namespace BatchKit.Cli;

/// <summary>The tool's view of <see cref="Postgres.PostgresConnectionString"/>: a malformed <c>--store</c> is exit code 5.</summary>
internal static class PostgresConnectionString
{
    public static bool Recognizes(string text) => Postgres.PostgresConnectionString.Recognizes(text);

    /// <summary>Parses the text into a connection string builder: keywords as they are, a URI converted.</summary>
    /// <exception cref="CliException">The text is malformed (exit code 5).</exception>
    public static NpgsqlConnectionStringBuilder Parse(string text)
    {
        try
        {
            return Postgres.PostgresConnectionString.Parse(text);
        }
        catch (FormatException e)
        {
            throw new CliException(ExitCodes.StoreUnsupported, e.Message.Replace("is malformed", "given with --store is malformed", StringComparison.Ordinal));
        }
    }

    public static string Describe(NpgsqlConnectionStringBuilder builder) => Postgres.PostgresConnectionString.Describe(builder);
}
