namespace BatchKit.DuckDb;

/// <summary>
/// Identifies the slice of a target table that one partition owns, for <see cref="WriteDisposition.ReplacePartition"/>:
/// a SQL predicate over the table's columns, with named parameters.
/// </summary>
/// <param name="Predicate">
/// A boolean SQL expression over unqualified column names, with <c>$name</c> parameters, for example
/// <c>event_date = $date AND user_id % 200 = $bucket</c>. Parameter names starting with <c>bk_</c> are reserved.
/// </param>
/// <param name="Parameters">The parameter values by name (without the <c>$</c>).</param>
public sealed record DuckDbSlice(string Predicate, IReadOnlyDictionary<string, object?> Parameters)
{
    /// <summary>Creates a slice from a predicate and <c>(name, value)</c> pairs.</summary>
    /// <param name="predicate">The predicate, for example <c>event_date = $date AND user_id % 200 = $bucket</c>.</param>
    /// <param name="parameters">The parameters, for example <c>("date", date), ("bucket", 7)</c>.</param>
    /// <returns>The slice.</returns>
    /// <exception cref="ArgumentException">The predicate is empty, or a parameter name is empty or repeated.</exception>
    public static DuckDbSlice Where(string predicate, params (string Name, object? Value)[] parameters)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(predicate);
        ArgumentNullException.ThrowIfNull(parameters);
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, value) in parameters)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(name, nameof(parameters));
            if (!values.TryAdd(name, value))
            {
                throw new ArgumentException($"The slice parameter '{name}' is given twice.", nameof(parameters));
            }
        }

        return new DuckDbSlice(predicate, values);
    }
}
