using System.Threading.Channels;

namespace BatchKit;

/// <summary>One stage of a partition's pipeline, between two bounded channels of chunks.</summary>
internal abstract class Stage
{
    protected Stage(string name) => Name = name;

    public string Name { get; }

    /// <summary>Whether the stage holds state across the whole partition (which makes the partition atomic).</summary>
    public virtual bool IsAggregate => false;

    public abstract (object Reader, object Writer) CreateChannel(int capacity);

    public abstract Task RunAsync(object input, object output, PartitionRuntime runtime, CancellationToken cancellationToken);
}

/// <summary>A stage from <typeparamref name="TIn"/> to <typeparamref name="TOut"/>; exceptions of single records become error records when skippable.</summary>
internal abstract class Stage<TIn, TOut> : Stage
{
    protected Stage(string name)
        : base(name)
    {
    }

    public override (object Reader, object Writer) CreateChannel(int capacity)
    {
        var channel = Channel.CreateBounded<Chunk<TOut>>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = true });
        return (channel.Reader, channel.Writer);
    }

    public override async Task RunAsync(object input, object output, PartitionRuntime runtime, CancellationToken cancellationToken)
    {
        var reader = (ChannelReader<Chunk<TIn>>)input;
        var writer = (ChannelWriter<Chunk<TOut>>)output;
        try
        {
            var context = new StepContext(runtime.RunKey, runtime.Partition, Name, runtime.Attempt, runtime.Store, runtime.Lease);
            var state = CreatePartitionState();
            Chunk<TIn>? last = null;
            while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (reader.TryRead(out var chunk))
                {
                    last = chunk;
                    var results = new StepOutput<TOut>(IsAggregate ? 0 : chunk.Count);
                    var errors = chunk.Errors;
                    var items = chunk.Items;
                    for (var i = 0; i < chunk.Count; i++)
                    {
                        var record = items[i];
                        context.Ordinal = chunk.FirstOrdinal + i;
                        try
                        {
                            var pending = ProcessAsync(record, results, context, state, cancellationToken);
                            if (!pending.IsCompletedSuccessfully)
                            {
                                await pending.ConfigureAwait(false);
                            }
                        }
                        catch (Exception ex) when (runtime.Skip.IsSkippable(ex))
                        {
                            errors ??= [];
                            errors.Add(new ErrorRecordDraft(Name, context.Ordinal, runtime.Skip.FormatPayload(record), ex.Message, ex));
                        }
                    }

                    var outItems = results.Count == 0 ? [] : results.Detach(0);
                    await writer.WriteAsync(new Chunk<TOut>(outItems, outItems.Length, chunk.FirstOrdinal, chunk.ReadCount, chunk.EndPosition, errors), cancellationToken).ConfigureAwait(false);
                }
            }

            if (IsAggregate)
            {
                var results = new StepOutput<TOut>(0);
                Complete(results, state);
                var all = results.Count == 0 ? [] : results.Detach(0);
                var position = last?.EndPosition ?? runtime.StartPosition;
                var ordinal = last is null ? runtime.StartOrdinal : last.FirstOrdinal + last.ReadCount;
                var size = runtime.CommitInterval;
                for (var offset = 0; offset < all.Length || offset == 0; offset += size)
                {
                    var count = Math.Min(size, all.Length - offset);
                    var slice = offset == 0 && count == all.Length ? all : all[offset..(offset + count)];
                    await writer.WriteAsync(new Chunk<TOut>(slice, count, ordinal, 0, position, null), cancellationToken).ConfigureAwait(false);
                    if (all.Length == 0)
                    {
                        break;
                    }
                }
            }

            writer.TryComplete();
        }
        catch (Exception ex)
        {
            writer.TryComplete(ex);
            throw;
        }
    }

    protected virtual object? CreatePartitionState() => null;

    protected abstract ValueTask ProcessAsync(TIn record, StepOutput<TOut> output, StepContext context, object? state, CancellationToken cancellationToken);

    protected virtual void Complete(StepOutput<TOut> output, object? state)
    {
    }
}

internal sealed class StepStage<TIn, TOut>(string name, IStep<TIn, TOut> step) : Stage<TIn, TOut>(name)
{
    protected override ValueTask ProcessAsync(TIn record, StepOutput<TOut> output, StepContext context, object? state, CancellationToken cancellationToken) =>
        step.ExecuteAsync(record, output, context, cancellationToken);
}

internal sealed class SelectStage<TIn, TOut>(string name, Func<TIn, TOut> selector) : Stage<TIn, TOut>(name)
{
    protected override ValueTask ProcessAsync(TIn record, StepOutput<TOut> output, StepContext context, object? state, CancellationToken cancellationToken)
    {
        output.Emit(selector(record));
        return ValueTask.CompletedTask;
    }
}

internal sealed class SelectManyStage<TIn, TOut>(string name, Func<TIn, IEnumerable<TOut>> selector) : Stage<TIn, TOut>(name)
{
    protected override ValueTask ProcessAsync(TIn record, StepOutput<TOut> output, StepContext context, object? state, CancellationToken cancellationToken)
    {
        foreach (var item in selector(record))
        {
            output.Emit(item);
        }

        return ValueTask.CompletedTask;
    }
}

internal sealed class WhereStage<T>(string name, Func<T, bool> predicate) : Stage<T, T>(name)
{
    protected override ValueTask ProcessAsync(T record, StepOutput<T> output, StepContext context, object? state, CancellationToken cancellationToken)
    {
        if (predicate(record))
        {
            output.Emit(record);
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>Thrown inside the validation stage for an invalid record; always skippable.</summary>
internal sealed class RecordValidationException(string reason) : Exception(reason);

internal sealed class ValidateStage<T>(IRecordValidator<T> validator) : Stage<T, T>(ErrorRecord.ValidationStepName)
{
    public override async Task RunAsync(object input, object output, PartitionRuntime runtime, CancellationToken cancellationToken)
    {
        // Validation failures are data errors: they are always recorded and skipped, whatever the skip policy says of step exceptions.
        var skip = runtime.Skip;
        var validationRuntime = runtime with { Skip = new SkipOptions { IsSkippable = ex => ex is RecordValidationException || skip.IsSkippable(ex), FormatPayload = skip.FormatPayload } };
        await base.RunAsync(input, output, validationRuntime, cancellationToken).ConfigureAwait(false);
    }

    protected override ValueTask ProcessAsync(T record, StepOutput<T> output, StepContext context, object? state, CancellationToken cancellationToken)
    {
        var reason = validator.Validate(record);
        if (reason is not null)
        {
            throw new RecordValidationException(reason);
        }

        output.Emit(record);
        return ValueTask.CompletedTask;
    }
}

internal sealed class AggregateStage<TIn, TOut>(string name, Func<IAggregator<TIn, TOut>> factory) : Stage<TIn, TOut>(name)
{
    public override bool IsAggregate => true;

    protected override object? CreatePartitionState() => factory();

    protected override ValueTask ProcessAsync(TIn record, StepOutput<TOut> output, StepContext context, object? state, CancellationToken cancellationToken)
    {
        ((IAggregator<TIn, TOut>)state!).Add(record);
        return ValueTask.CompletedTask;
    }

    protected override void Complete(StepOutput<TOut> output, object? state)
    {
        foreach (var item in ((IAggregator<TIn, TOut>)state!).Complete())
        {
            output.Emit(item);
        }
    }
}
