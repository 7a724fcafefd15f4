namespace BatchKit.DuckDb.Internal;

/// <summary>Builds SQL text: quoted identifiers.</summary>
internal static class Sql
{
    /// <summary>Quotes an identifier for DuckDB.</summary>
    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
