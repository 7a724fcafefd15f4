using System.Collections;
using System.Globalization;

namespace BatchKit;

/// <summary>
/// The identifying parameters of a run (for example the business date). Keys are ordinal-sorted, values are stored
/// as invariant strings, so the same parameters always give the same <see cref="RunKey"/>.
/// </summary>
/// <remarks>Instances are immutable and thread-safe.</remarks>
public sealed class RunParameters : IReadOnlyDictionary<string, string>
{
    private readonly SortedDictionary<string, string> _values;

    /// <summary>Gets a run without parameters.</summary>
    public static RunParameters Empty { get; } = new(new SortedDictionary<string, string>(StringComparer.Ordinal));

    private RunParameters(SortedDictionary<string, string> values) => _values = values;

    /// <summary>Creates parameters from key/value pairs.</summary>
    /// <param name="values">The parameters; values are formatted with the invariant culture.</param>
    /// <returns>The parameters.</returns>
    /// <exception cref="ArgumentException">A key is empty or repeated.</exception>
    public static RunParameters From(IEnumerable<KeyValuePair<string, object?>> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var sorted = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in values)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(key);
            if (!sorted.TryAdd(key, Format(value)))
            {
                throw new ArgumentException($"The run parameter '{key}' is given twice.", nameof(values));
            }
        }

        return new RunParameters(sorted);
    }

    /// <summary>Creates parameters from a single key and value, such as the business date.</summary>
    /// <param name="key">The parameter name.</param>
    /// <param name="value">The value, formatted with the invariant culture.</param>
    /// <returns>The parameters.</returns>
    public static RunParameters Of(string key, object? value) => From([new(key, value)]);

    /// <summary>Returns a copy of these parameters with one more (or a replaced) parameter.</summary>
    /// <param name="key">The parameter name.</param>
    /// <param name="value">The value, formatted with the invariant culture.</param>
    /// <returns>The new parameters.</returns>
    public RunParameters With(string key, object? value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        var copy = new SortedDictionary<string, string>(_values, StringComparer.Ordinal) { [key] = Format(value) };
        return new RunParameters(copy);
    }

    /// <inheritdoc/>
    public string this[string key] => _values[key];

    /// <inheritdoc/>
    public IEnumerable<string> Keys => _values.Keys;

    /// <inheritdoc/>
    public IEnumerable<string> Values => _values.Values;

    /// <inheritdoc/>
    public int Count => _values.Count;

    /// <inheritdoc/>
    public bool ContainsKey(string key) => _values.ContainsKey(key);

    /// <inheritdoc/>
    public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out string value) => _values.TryGetValue(key, out value);

    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => _values.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Returns the parameters as <c>key=value</c> pairs joined with <c>;</c>, in key order.</summary>
    /// <returns>The canonical text of the parameters.</returns>
    public override string ToString() => string.Join(";", _values.Select(p => p.Key + "=" + p.Value));

    private static string Format(object? value) => value switch
    {
        null => string.Empty,
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTime dt => dt.ToString("O", CultureInfo.InvariantCulture),
        DateTimeOffset dto => dto.ToString("O", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}
