using System.Text.Json;

namespace BatchKit.Shared;

/// <summary>The snake_case column naming shared by the adapters (linked into each package, not a public API).</summary>
internal static class SnakeCase
{
    /// <summary>
    /// Converts a PascalCase name to snake_case with <see cref="JsonNamingPolicy.SnakeCaseLower"/>: <c>EventDate</c> to
    /// <c>event_date</c>, <c>HTTPStatus</c> to <c>http_status</c>. It gives every property of the repository's record
    /// types the name the adapters' earlier hand-written conversion gave (SnakeCaseNamesTests in the samples' tests).
    /// </summary>
    public static string From(string name) => JsonNamingPolicy.SnakeCaseLower.ConvertName(name);
}
