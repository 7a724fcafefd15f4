using BatchKit.Dashboard;
using BatchKit.Shared;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace BatchKit;

/// <summary>Mounts the BatchKit dashboard in an ASP.NET Core app.</summary>
public static class BatchKitDashboardEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the read-only BatchKit dashboard under <paramref name="pattern"/>: the job inventory (when an
    /// <c>IBatchJobInventory</c> is registered, as <c>AddBatchKit</c> does), runs filtered by job and status, a run's
    /// partitions with live progress, its error records and its in-doubt effects.
    /// </summary>
    /// <param name="endpoints">The app's endpoint route builder.</param>
    /// <param name="pattern">The path prefix, such as <c>/batchkit</c>.</param>
    /// <param name="configure">Changes the <see cref="BatchKitDashboardOptions"/>, such as the authorization policy.</param>
    /// <returns>The route group of the dashboard's endpoints, for further conventions.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="endpoints"/> or <paramref name="pattern"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="configure"/> set an option out of range; the message lists every failure with the property, the expected range and the value found.</exception>
    /// <exception cref="InvalidOperationException">
    /// No <see cref="ICheckpointStore"/> is registered in the container; or a policy of the options is named without
    /// authorization services, or <see cref="BatchKitDashboardOptions.ActionsPolicy"/> without antiforgery services.
    /// </exception>
    /// <remarks>
    /// The pages read the <see cref="ICheckpointStore"/> registered in the container; they write to it only through the
    /// actions that <see cref="BatchKitDashboardOptions.ActionsPolicy"/> enables (retrying failed partitions, resolving
    /// in-doubt effects, both with <see cref="RunMaintenance"/>). Without
    /// <see cref="BatchKitDashboardOptions.AuthorizationPolicy"/> only loopback requests are served
    /// (<see cref="BatchKitDashboardAccess.IsLocalRequest"/>); with it, every endpoint requires that policy, and the host
    /// must have added authentication and authorization (<c>AddAuthentication</c>, <c>AddAuthorization</c>).
    /// </remarks>
    public static RouteGroupBuilder MapBatchKitDashboard(this IEndpointRouteBuilder endpoints, string pattern = "/batchkit", Action<BatchKitDashboardOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(pattern);
        var options = new BatchKitDashboardOptions();
        configure?.Invoke(options);
        OptionsRule.ThrowIfFailed(new GeneratedDashboardOptionsValidator().Validate(null, options), "the BatchKit dashboard", nameof(configure));

        var isService = endpoints.ServiceProvider.GetService<IServiceProviderIsService>();
        if (isService is not null && !isService.IsService(typeof(ICheckpointStore)))
        {
            throw new InvalidOperationException(
                "MapBatchKitDashboard needs an ICheckpointStore in the container: call services.AddBatchKit(b => b.UseSqliteStore(...)) or register a store.");
        }

        if (options.ActionsPolicy is not null || options.PayloadPolicy is not null)
        {
            if (isService is not null && !isService.IsService(typeof(IAuthorizationService)))
            {
                throw new InvalidOperationException(
                    "The dashboard's ActionsPolicy and PayloadPolicy name authorization policies: call services.AddAuthorization(...) and define them.");
            }
        }

        if (options.ActionsPolicy is not null && isService is not null && !isService.IsService(typeof(IAntiforgery)))
        {
            throw new InvalidOperationException(
                "The dashboard's actions post forms protected by antiforgery tokens: call services.AddAntiforgery().");
        }

        var group = endpoints.MapGroup(pattern);
        if (options.AuthorizationPolicy is { } policy)
        {
            group.RequireAuthorization(policy);
        }
        else
        {
            group.AddEndpointFilter(static async (context, next) =>
                BatchKitDashboardAccess.IsLocalRequest(context.HttpContext)
                    ? await next(context).ConfigureAwait(false)
                    : Results.Text(
                        "The BatchKit dashboard serves only local requests unless the host names an authorization policy.",
                        "text/plain", statusCode: StatusCodes.Status403Forbidden));
        }

        var pages = new DashboardPages(options);
        group.MapGet("/", (Delegate)DashboardPages.JobsAsync);
        group.MapGet("/runs", (Delegate)pages.RunsAsync);
        group.MapGet("/runs/{runKey}", pages.RunAsync);
        group.MapGet("/runs/{runKey}/errors", pages.ErrorsAsync);
        group.MapGet("/runs/{runKey}/partitions/{partitionId}", DashboardPages.PartitionAsync);
        group.MapGet("/api/runs/{runKey}/partitions", DashboardPages.PartitionsJsonAsync);
        if (options.ActionsPolicy is { } actions)
        {
            // Read-only unless the host names the policy: without it these endpoints do not exist (404).
            group.MapPost("/runs/{runKey}/actions/retry-failed", DashboardActions.RetryFailedAsync).RequireAuthorization(actions);
            group.MapPost("/runs/{runKey}/actions/resolve", DashboardActions.ResolveAsync).RequireAuthorization(actions);
            group.MapPost("/runs/{runKey}/actions/cancel", DashboardActions.CancelAsync).RequireAuthorization(actions);
        }

        return group;
    }
}
