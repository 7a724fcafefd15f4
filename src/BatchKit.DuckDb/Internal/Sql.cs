namespace BatchKit.DuckDb.Internal;

/// <summary>Builds SQL text: quoted identifiers and snake_case names.</summary>
internal static class Sql
{
    /// <summary>Quotes an identifier for DuckDB.</summary>
    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>Converts a property name to snake_case: <c>EventDate</c> to <c>event_date</c>, <c>HTTPStatus</c> to <c>http_status</c>.</summary>
    public static string SnakeCase(string name) => BatchKit.Shared.SnakeCase.From(name);
}
