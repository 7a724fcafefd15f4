namespace BatchKit.Postgres;

/// <summary>
/// The rows of the target table that one partition owns under <see cref="WriteDisposition.ReplacePartition"/>: a SQL
/// predicate over the table's columns, with named parameters (<c>@name</c>), such as <c>event_date = @day</c>.
/// </summary>
/// <param name="Predicate">The predicate, without <c>WHERE</c>.</param>
/// <param name="Parameters">The values of the predicate's parameters; names must not start with <c>bk_</c>.</param>
public sealed record PostgresSlice(string Predicate, IReadOnlyDictionary<string, object?> Parameters)
{
    /// <summary>Creates a slice from a predicate and its parameters.</summary>
    /// <param name="predicate">The predicate, without <c>WHERE</c>.</param>
    /// <param name="parameters">The parameters, by name without the <c>@</c>.</param>
    /// <returns>The slice.</returns>
    public static PostgresSlice Where(string predicate, params (string Name, object? Value)[] parameters)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(predicate);
        ArgumentNullException.ThrowIfNull(parameters);
        return new PostgresSlice(predicate, parameters.ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal));
    }
}
