using System.Threading.RateLimiting;
using Microsoft.Extensions.Logging;
using Polly;

namespace BatchKit;

/// <summary>
/// Runs a guarded side effect for each record and passes the record on unless its effect is in doubt. A record whose
/// effect is in doubt (claimed by an earlier attempt and never confirmed, or whose effect threw anything but
/// <see cref="EffectNotPerformedException"/>) is counted in the chunk's <see cref="Chunk{T}.InDoubt"/> and logged.
/// </summary>
internal sealed class SideEffectStage<T>(string name, Func<T, string> recordKey, Func<T, string, CancellationToken, ValueTask> effect, RateLimiter? limiter) : Stage<T, T>(name)
{
    private readonly ResiliencePipeline _rate = limiter is null
        ? ResiliencePipeline.Empty
        : new ResiliencePipelineBuilder().AddRateLimiter(limiter).Build();

    protected override object? CreatePartitionState() => new DoubtCounter();

    protected override async ValueTask<Chunk<T>> ProcessChunkAsync(Chunk<T> chunk, StepContext context, object? state, PartitionRuntime runtime, CancellationToken cancellationToken)
    {
        var counter = (DoubtCounter)state!;
        counter.Runtime = runtime;
        counter.Count = 0;
        var next = await base.ProcessChunkAsync(chunk, context, state, runtime, cancellationToken).ConfigureAwait(false);
        if (counter.Count == 0)
        {
            return next;
        }

        return new Chunk<T>(next.Items, next.Count, next.FirstOrdinal, next.ReadCount, next.EndPosition, next.Errors)
        {
            Pooled = next.Pooled,
            Ordinals = next.Ordinals,
            UnstoredErrors = next.UnstoredErrors,
            InDoubt = next.InDoubt + counter.Count,
        };
    }

    protected override async ValueTask ProcessAsync(T record, StepOutput<T> output, StepContext context, object? state, CancellationToken cancellationToken)
    {
        var counter = (DoubtCounter)state!;
        var key = recordKey(record);
        EffectOutcome outcome;
        try
        {
            outcome = await IdempotencyGuard.ExecuteAsync(
                context,
                key,
                (k, token) => _rate.ExecuteAsync(t => effect(record, k, t), token),
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or BatchKitException))
        {
            // The effect may or may not have happened: its claim stays, and the record is in doubt.
            Log.EffectInDoubt(counter.Runtime!.Logger, ex, counter.Runtime.Job.Name, Name, context.Partition.Id, context.Ordinal, IdempotencyGuard.DeriveKey(context.RunKey, context.Partition.Id, key));
            counter.Count++;
            return;
        }

        if (outcome == EffectOutcome.InDoubt)
        {
            Log.EffectInDoubt(counter.Runtime!.Logger, null, counter.Runtime.Job.Name, Name, context.Partition.Id, context.Ordinal, IdempotencyGuard.DeriveKey(context.RunKey, context.Partition.Id, key));
            counter.Count++;
            return;
        }

        output.Emit(record);
    }

    private sealed class DoubtCounter
    {
        public long Count { get; set; }

        public PartitionRuntime? Runtime { get; set; }
    }
}
