using System.Globalization;
using System.Text;

namespace BatchKit.Parquet.Internal;

/// <summary>Column naming conventions.</summary>
internal static class ColumnNames
{
    /// <summary>Converts a PascalCase name to snake_case: <c>UserId</c> to <c>user_id</c>, <c>HTTPStatus</c> to <c>http_status</c>.</summary>
    public static string ToSnakeCase(string name)
    {
        var text = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                var previousIsLowerOrDigit = i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]));
                var acronymEnds = i > 0 && char.IsUpper(name[i - 1]) && i + 1 < name.Length && char.IsLower(name[i + 1]);
                if (previousIsLowerOrDigit || acronymEnds)
                {
                    text.Append('_');
                }

                text.Append(char.ToLower(c, CultureInfo.InvariantCulture));
            }
            else
            {
                text.Append(c);
            }
        }

        return text.ToString();
    }

    /// <summary>Returns the name without underscores, in lower case, for convention matching.</summary>
    public static string Normalize(string name) => name.Replace("_", string.Empty, StringComparison.Ordinal).ToUpperInvariant();
}
