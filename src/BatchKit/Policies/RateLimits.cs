using System.Threading.RateLimiting;

namespace BatchKit;

/// <summary>Creates rate limiters for calls to downstream systems, shared by every partition of a job.</summary>
public static class RateLimits
{
    /// <summary>Creates a limiter that allows <paramref name="permitsPerSecond"/> calls a second, queueing the excess instead of rejecting it.</summary>
    /// <param name="permitsPerSecond">The calls allowed per second.</param>
    /// <returns>A token-bucket limiter refilled every 100 ms; dispose it with the job's host.</returns>
    public static RateLimiter PerSecond(int permitsPerSecond)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(permitsPerSecond);
        var perTick = Math.Max(1, permitsPerSecond / 10);
        return new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = perTick,
            TokensPerPeriod = perTick,
            ReplenishmentPeriod = TimeSpan.FromMilliseconds(100.0 * perTick * 10 / permitsPerSecond),
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
    }
}
