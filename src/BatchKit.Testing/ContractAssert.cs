using System.Globalization;

namespace BatchKit.Testing;

/// <summary>The assertions and clean-up the contract suites share.</summary>
internal static class ContractAssert
{
    /// <summary>Asserts <paramref name="actual"/> holds the records of <paramref name="expected"/>, each as often, in any order.</summary>
    public static void SameRecords<T>(IEnumerable<T> expected, IEnumerable<T> actual, string because)
        where T : notnull
    {
        var counts = new Dictionary<T, int>();
        var expectedCount = 0;
        foreach (var record in expected)
        {
            counts[record] = counts.GetValueOrDefault(record) + 1;
            expectedCount++;
        }

        var unexpected = new List<T>();
        var actualCount = 0;
        foreach (var record in actual)
        {
            actualCount++;
            if (counts.TryGetValue(record, out var left) && left > 0)
            {
                counts[record] = left - 1;
            }
            else
            {
                unexpected.Add(record);
            }
        }

        var missing = counts.Where(c => c.Value > 0).SelectMany(c => Enumerable.Repeat(c.Key, c.Value)).ToList();
        Assert.True(
            missing.Count == 0 && unexpected.Count == 0,
            string.Create(
                CultureInfo.InvariantCulture,
                $"Expected {expectedCount} records and found {actualCount} ({because}): {missing.Count} missing{Sample(missing)}, {unexpected.Count} unexpected or duplicated{Sample(unexpected)}."));
    }

    /// <summary>Gets the innermost exception of <paramref name="exception"/>.</summary>
    public static Exception? Innermost(Exception? exception)
    {
        while (exception?.InnerException is not null)
        {
            exception = exception.InnerException;
        }

        return exception;
    }

    /// <summary>Disposes <paramref name="resource"/> if it is disposable.</summary>
    public static async ValueTask DisposeAsync(object resource)
    {
        if (resource is IAsyncDisposable asyncDisposable)
        {
            await asyncDisposable.DisposeAsync().ConfigureAwait(false);
        }
        else if (resource is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }

    private static string Sample<T>(List<T> records) =>
        records.Count == 0 ? string.Empty : " (first: " + string.Join(", ", records.Take(3)) + ")";
}
