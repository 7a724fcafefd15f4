using System.Text;

namespace BatchKit.Shared;

/// <summary>The column naming convention shared by the adapters (linked into each package, not a public API).</summary>
internal static class SnakeCase
{
    /// <summary>Converts a PascalCase name to snake_case: <c>EventDate</c> to <c>event_date</c>, <c>HTTPStatus</c> to <c>http_status</c>.</summary>
    public static string From(string name)
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
