namespace BatchKit.Shared;

/// <summary>
/// Applies a <see cref="ColumnNaming"/> policy: the name a property is written under, and the column it is read from
/// (linked into each adapter package, not a public API).
/// </summary>
internal static class ColumnMatcher
{
    /// <summary>Returns the column name a property is written under: the explicit name, or the policy's name.</summary>
    public static string WriteName(ColumnNaming naming, string propertyName, string? explicitName = null) =>
        explicitName ?? (naming == ColumnNaming.SnakeCase ? SnakeCase.From(propertyName) : propertyName);

    /// <summary>Returns the column name a property is read from when it is missing, for error messages.</summary>
    public static string Describe(ColumnNaming naming, string propertyName, string? explicitName = null) =>
        explicitName is not null ? "'" + explicitName + "'"
        : naming switch
        {
            ColumnNaming.SnakeCase => $"'{propertyName}' (or '{SnakeCase.From(propertyName)}')",
            ColumnNaming.LettersAndDigits => $"'{propertyName}' (or a name with its letters and digits)",
            _ => "'" + propertyName + "'",
        };

    /// <summary>Finds the column a property is read from.</summary>
    /// <param name="naming">The policy.</param>
    /// <param name="columns">The columns (headers, fields) of the file or result, in order.</param>
    /// <param name="propertyName">The property name.</param>
    /// <param name="explicitName">The column name given for the property, which is matched instead of the policy's names.</param>
    /// <returns>
    /// The index of the column, or -1 when none matches; when the first comparison that matches finds more than one
    /// column, <paramref name="columns"/> indexes of the first two in <c>Ambiguous</c>.
    /// </returns>
    public static (int Index, (int First, int Second)? Ambiguous) Find(ColumnNaming naming, IReadOnlyList<string> columns, string propertyName, string? explicitName = null)
    {
        var name = explicitName ?? propertyName;
        var comparisons = naming switch
        {
            ColumnNaming.Exact => 1,
            _ when explicitName is not null => 2,
            ColumnNaming.IgnoreCase => 2,
            _ => 3,
        };
        for (var level = 0; level < comparisons; level++)
        {
            var key = Key(naming, level, name);
            var found = -1;
            for (var i = 0; i < columns.Count; i++)
            {
                if (!string.Equals(Key(naming, level, columns[i]), key, StringComparison.Ordinal))
                {
                    continue;
                }

                if (found >= 0)
                {
                    return (-1, (found, i));
                }

                found = i;
            }

            if (found >= 0)
            {
                return (found, null);
            }
        }

        return (-1, null);
    }

    private static string Key(ColumnNaming naming, int level, string name) => level switch
    {
        0 => name,
        1 => name.Trim().ToUpperInvariant(),
        _ when naming == ColumnNaming.SnakeCase => name.Replace("_", string.Empty, StringComparison.Ordinal).ToUpperInvariant(),
        _ => string.Concat(name.Where(char.IsLetterOrDigit)).ToUpperInvariant(),
    };
}
