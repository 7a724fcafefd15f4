using System.Text;

namespace BatchKit.DuckDb.Internal;

/// <summary>Builds SQL text: quoted identifiers and snake_case names.</summary>
internal static class Sql
{
    /// <summary>Quotes an identifier for DuckDB.</summary>
    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>Converts a property name to snake_case: <c>EventDate</c> to <c>event_date</c>, <c>HTTPStatus</c> to <c>http_status</c>.</summary>
    public static string SnakeCase(string name)
    {
        var text = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                var previousIsLowerOrDigit = i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]));
                var acronymEnds = i > 0 && char.IsUpper(name[i - 1]) && i + 1 < name.Length && char.IsLower(name[i + 1]);
                if ((previousIsLowerOrDigit || acronymEnds) && text.Length > 0 && text[^1] != '_')
                {
                    text.Append('_');
                }

                text.Append(char.ToLowerInvariant(c));
            }
            else
            {
                text.Append(c);
            }
        }

        return text.ToString();
    }
}
