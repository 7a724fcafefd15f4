using OpenTelemetry.Trace;

namespace BatchKit;

/// <summary>Adds BatchKit's activity source to an OpenTelemetry tracer provider.</summary>
public static class BatchKitTracerProviderBuilderExtensions
{
    /// <summary>
    /// Collects BatchKit's spans: <c>batchkit.run</c> (a run attempt of a worker), <c>batchkit.partition</c> (a partition
    /// attempt, child of the run span) and <c>batchkit.chunk.commit</c> (a chunk written and committed, child of the
    /// partition span), from the <see cref="BatchKitDiagnostics.ActivitySourceName"/> source.
    /// </summary>
    /// <param name="builder">The tracer provider builder.</param>
    /// <returns>The same builder instance, so calls can be chained.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static TracerProviderBuilder AddBatchKitInstrumentation(this TracerProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddSource(BatchKitDiagnostics.ActivitySourceName);
    }
}
