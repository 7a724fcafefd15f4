using BatchKit.Shared;

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

    /// <summary>Gets or sets the name of the authorization policy a user must meet to change runs from the dashboard.</summary>
    /// <value>
    /// The default value is <see langword="null"/>: the dashboard is read-only; it shows no action buttons and maps no
    /// POST endpoints. When set, users the policy admits see buttons to retry a run's failed partitions and to resolve
    /// its in-doubt effects; the POST endpoints require the policy and a valid antiforgery token, so the host must
    /// call <c>AddAuthorization</c> and <c>AddAntiforgery</c>.
    /// </value>
    public string? ActionsPolicy { get; set; }

    /// <summary>Gets or sets the name of the authorization policy a user must meet to see the raw payloads of error records.</summary>
    /// <value>
    /// The default value is <see langword="null"/>: the error page lists the records without their payloads (which
    /// may hold personal or secret data). When set, users the policy admit see the payloads, HTML-encoded.
    /// </value>
    public string? PayloadPolicy { get; set; }

    /// <summary>Gets or sets the largest number of runs a runs page lists.</summary>
    /// <value>The default value is 200.</value>
    [Between(1, 10_000)]
    public int MaxRuns { get; set; } = 200;

    /// <summary>Gets or sets the largest number of error records a run's error page lists.</summary>
    /// <value>The default value is 500.</value>
    [Between(1, 100_000)]
    public int MaxErrors { get; set; } = 500;

    /// <summary>Gets or sets how often a run's page polls its partitions while the run is running.</summary>
    /// <value>The default value is 2 seconds.</value>
    [DurationAtLeast("00:00:00.1")]
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(2);
}
