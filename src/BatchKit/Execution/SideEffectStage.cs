using System.Threading.RateLimiting;
using Polly;

namespace BatchKit;

/// <summary>Runs a guarded side effect for each record and passes the record on unless its effect is in doubt.</summary>
internal sealed class SideEffectStage<T>(string name, Func<T, string> recordKey, Func<T, string, CancellationToken, ValueTask> effect, RateLimiter? limiter) : Stage<T, T>(name)
{
    private readonly ResiliencePipeline _rate = limiter is null
        ? ResiliencePipeline.Empty
        : new ResiliencePipelineBuilder().AddRateLimiter(limiter).Build();

    protected override async ValueTask ProcessAsync(T record, StepOutput<T> output, StepContext context, object? state, CancellationToken cancellationToken)
    {
        var outcome = await IdempotencyGuard.ExecuteAsync(
            context,
            recordKey(record),
            (key, token) => _rate.ExecuteAsync(t => effect(record, key, t), token),
            cancellationToken).ConfigureAwait(false);
        if (outcome != EffectOutcome.InDoubt)
        {
            output.Emit(record);
        }
    }
}
