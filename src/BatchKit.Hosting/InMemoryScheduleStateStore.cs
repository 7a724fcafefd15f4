using System.Collections.Concurrent;

namespace BatchKit.Hosting;

/// <summary>An <see cref="IScheduleStateStore"/> in memory: for tests and hosts whose state store has no schedule table (misfires are not detected across restarts).</summary>
/// <remarks>Thread-safe.</remarks>
public sealed class InMemoryScheduleStateStore : IScheduleStateStore
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _last = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public ValueTask<DateTimeOffset?> GetLastOccurrenceAsync(string jobName, CancellationToken cancellationToken) =>
        ValueTask.FromResult<DateTimeOffset?>(_last.TryGetValue(jobName, out var last) ? last : null);

    /// <inheritdoc/>
    public ValueTask<bool> TryClaimAsync(string jobName, DateTimeOffset occurrence, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (!_last.TryGetValue(jobName, out var last))
            {
                if (_last.TryAdd(jobName, occurrence))
                {
                    return ValueTask.FromResult(true);
                }

                continue;
            }

            if (last >= occurrence)
            {
                return ValueTask.FromResult(false);
            }

            if (_last.TryUpdate(jobName, occurrence, last))
            {
                return ValueTask.FromResult(true);
            }
        }
    }
}
