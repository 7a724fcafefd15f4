namespace BatchKit.Parquet.Internal;

/// <summary>Column naming conventions.</summary>
internal static class ColumnNames
{
    /// <summary>Converts a PascalCase name to snake_case: <c>UserId</c> to <c>user_id</c>, <c>HTTPStatus</c> to <c>http_status</c>.</summary>
    public static string ToSnakeCase(string name) => BatchKit.Shared.SnakeCase.From(name);

    /// <summary>Returns the name without underscores, in lower case, for convention matching.</summary>
    public static string Normalize(string name) => name.Replace("_", string.Empty, StringComparison.Ordinal).ToUpperInvariant();
}
