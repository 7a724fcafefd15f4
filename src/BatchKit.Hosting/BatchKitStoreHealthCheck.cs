using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace BatchKit.Hosting;

/// <summary>Reports whether the state store answers a query.</summary>
internal sealed class BatchKitStoreHealthCheck(ICheckpointStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.ListRunsAsync(null, 1, cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy($"The state store ({store.GetType().Name}) is reachable.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"The state store ({store.GetType().Name}) is not reachable: {ex.Message}", ex);
        }
    }
}
