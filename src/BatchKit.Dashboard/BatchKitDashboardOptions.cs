using System.ComponentModel.DataAnnotations;

namespace BatchKit.Dashboard;

/// <summary>Options of the BatchKit dashboard that <c>MapBatchKitDashboard</c> mounts.</summary>
public sealed class BatchKitDashboardOptions
{
    /// <summary>Gets or sets the name of the authorization policy every dashboard page requires.</summary>
    /// <value>
    /// The default value is <see langword="null"/>: the dashboard then serves only requests from a loopback address
    /// (the host itself) and answers every other request with 403. When set, the pages require the policy and any
    /// client the policy admits is served.
    /// </value>
    public string? AuthorizationPolicy { get; set; }

    /// <summary>Gets or sets the largest number of runs a runs page lists.</summary>
    /// <value>The default value is 200.</value>
    [Range(1, 10_000)]
    public int MaxRuns { get; set; } = 200;

    /// <summary>Gets or sets the largest number of error records a run's error page lists.</summary>
    /// <value>The default value is 500.</value>
    [Range(1, 100_000)]
    public int MaxErrors { get; set; } = 500;

    /// <summary>Gets or sets how often a run's page polls its partitions while the run is running.</summary>
    /// <value>The default value is 2 seconds.</value>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(2);
}
