using BatchKit.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace BatchKit;

/// <summary>Adds BatchKit's health checks to a host's health checks.</summary>
public static class BatchKitHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds two checks: <c>batchkit-store</c> (the state store answers) and <c>batchkit-jobs</c> (the last run of each
    /// registered job succeeded and met its SLA, through <see cref="IBatchJobSlaCheck"/>). Requires
    /// <see cref="BatchKitServiceCollectionExtensions.AddBatchKit"/>.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="tags">Tags of both checks, for filtering endpoints.</param>
    /// <returns>The same builder, so calls can be chained.</returns>
    public static IHealthChecksBuilder AddBatchKitChecks(this IHealthChecksBuilder builder, params string[] tags)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(tags);
        return builder
            .AddCheck<BatchKitStoreHealthCheck>("batchkit-store", HealthStatus.Unhealthy, tags)
            .AddCheck<BatchKitJobsHealthCheck>("batchkit-jobs", HealthStatus.Unhealthy, tags);
    }
}
