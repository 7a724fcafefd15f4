using System.Diagnostics;
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

    /// <summary>Returns how many chunks wait in <paramref name="input"/>, the channel this stage reads, for the <c>batchkit.queue.depth</c> gauge.</summary>
    public abstract Func<int> InputQueueCount(object input);

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

    public override Func<int> InputQueueCount(object input)
    {
        var reader = (ChannelReader<Chunk<TIn>>)input;
        return () => reader.CanCount ? reader.Count : 0;
    }

    public override async Task RunAsync(object input, object output, PartitionRuntime runtime, CancellationToken cancellationToken)
    {
        var reader = (ChannelReader<Chunk<TIn>>)input;
        var writer = (ChannelWriter<Chunk<TOut>>)output;
        try
        {
            var context = new StepContext(runtime.RunKey, runtime.Partition, Name, runtime.Attempt, runtime.Store, runtime.Lease);
            var state = CreatePartitionState();
            var position = runtime.StartPosition;
            var nextOrdinal = runtime.StartOrdinal;
            while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (reader.TryRead(out var chunk))
                {
                    position = chunk.EndPosition;
                    nextOrdinal = chunk.FirstOrdinal + chunk.ReadCount;
                    var next = await ProcessChunkAsync(chunk, context, state, runtime, cancellationToken).ConfigureAwait(false);
                    await writer.WriteAsync(next, cancellationToken).ConfigureAwait(false);
                }
            }

            if (IsAggregate)
            {
                var results = new StepOutput<TOut>(0);
                Complete(results, state);
                var (all, total) = results.Detach();
                var size = runtime.CommitInterval;
                for (var offset = 0; offset < total || offset == 0; offset += size)
                {
                    var count = Math.Min(size, total - offset);
                    var slice = count <= 0 ? [] : all.AsSpan(offset, count).ToArray();
                    // Results have no input record: they are numbered after the partition's input, so an error a
                    // later step raises for one of them still has its own offset.
                    await writer.WriteAsync(new Chunk<TOut>(slice, Math.Max(count, 0), nextOrdinal + offset, 0, position, null), cancellationToken).ConfigureAwait(false);
                    if (total == 0)
                    {
                        break;
                    }
                }

                if (all.Length > 0)
                {
                    System.Buffers.ArrayPool<TOut>.Shared.Return(all, System.Runtime.CompilerServices.RuntimeHelpers.IsReferenceOrContainsReferences<TOut>());
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

    /// <summary>Runs the stage over one chunk and returns the chunk for the next stage; the input chunk is released or handed on.</summary>
    protected virtual async ValueTask<Chunk<TOut>> ProcessChunkAsync(Chunk<TIn> chunk, StepContext context, object? state, PartitionRuntime runtime, CancellationToken cancellationToken)
    {
        var results = new StepOutput<TOut>(IsAggregate ? 0 : chunk.Count);
        var errors = runtime.ErrorsOf(chunk);
        var items = chunk.Items;
        List<long>? ordinals = chunk.Ordinals is null ? null : new List<long>(chunk.Count);
        for (var i = 0; i < chunk.Count; i++)
        {
            var record = items[i];
            context.Ordinal = chunk.OrdinalAt(i);
            var before = results.Count;
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
                errors.Add(new ErrorRecordDraft(Name, context.Ordinal, runtime.Skip.FormatPayload(record), ex.Message, ex));
            }

            ordinals = TrackOrdinals(ordinals, chunk, i, before, results.Count);
        }

        chunk.Release();
        var (outItems, count) = results.Detach();
        return new Chunk<TOut>(outItems, count, chunk.FirstOrdinal, chunk.ReadCount, chunk.EndPosition, errors.Stored)
        {
            Pooled = outItems.Length > 0,
            Ordinals = ordinals?.ToArray(),
            UnstoredErrors = errors.Unstored,
            InDoubt = chunk.InDoubt,
        };
    }

    /// <summary>
    /// Keeps the input ordinal of every emitted record: <see langword="null"/> while input record <c>i</c> emitted
    /// exactly output record <c>i</c>; a list as soon as a record emitted none or several.
    /// </summary>
    private static List<long>? TrackOrdinals(List<long>? ordinals, Chunk<TIn> chunk, int index, int before, int after)
    {
        if (ordinals is null)
        {
            if (after - before == 1 && before == index)
            {
                return null;
            }

            ordinals = new List<long>(chunk.Count);
            for (var j = 0; j < before; j++)
            {
                ordinals.Add(chunk.FirstOrdinal + j);
            }
        }

        var ordinal = chunk.OrdinalAt(index);
        for (var j = before; j < after; j++)
        {
            ordinals.Add(ordinal);
        }

        return ordinals;
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
    /// <summary>One delegate call per record in a tight loop: no per-record virtual call or task.</summary>
    protected override ValueTask<Chunk<TOut>> ProcessChunkAsync(Chunk<TIn> chunk, StepContext context, object? state, PartitionRuntime runtime, CancellationToken cancellationToken)
    {
        var items = chunk.Items;
        var output = System.Buffers.ArrayPool<TOut>.Shared.Rent(Math.Max(chunk.Count, 1));
        var errors = runtime.ErrorsOf(chunk);
        var ordinals = chunk.Ordinals;
        var n = 0;
        for (var i = 0; i < chunk.Count; i++)
        {
            try
            {
                output[n] = selector(items[i]);
                if (ordinals is not null)
                {
                    ordinals[n] = ordinals[i];
                }

                n++;
            }
            catch (Exception ex) when (runtime.Skip.IsSkippable(ex))
            {
                errors.Add(new ErrorRecordDraft(Name, chunk.OrdinalAt(i), runtime.Skip.FormatPayload(items[i]), ex.Message, ex));
                ordinals ??= Ordinals.Contiguous(chunk);
            }
        }

        chunk.Release();
        return ValueTask.FromResult(new Chunk<TOut>(output, n, chunk.FirstOrdinal, chunk.ReadCount, chunk.EndPosition, errors.Stored)
        {
            Pooled = true,
            Ordinals = ordinals,
            UnstoredErrors = errors.Unstored,
            InDoubt = chunk.InDoubt,
        });
    }

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

/// <summary>A stage that keeps or drops records: it compacts each chunk in place, without allocating.</summary>
internal abstract class FilterStage<T>(string name) : Stage<T, T>(name)
{
    protected override ValueTask<Chunk<T>> ProcessChunkAsync(Chunk<T> chunk, StepContext context, object? state, PartitionRuntime runtime, CancellationToken cancellationToken)
    {
        var errors = runtime.ErrorsOf(chunk);
        var items = chunk.Items;
        var ordinals = chunk.Ordinals;
        var kept = 0;
        for (var i = 0; i < chunk.Count; i++)
        {
            var record = items[i];
            var ordinal = chunk.OrdinalAt(i);
            try
            {
                if (Keep(record, out var rejection))
                {
                    if (ordinals is not null)
                    {
                        ordinals[kept] = ordinal;
                    }

                    items[kept++] = record;
                    continue;
                }

                if (rejection is not null)
                {
                    errors.Add(new ErrorRecordDraft(Name, ordinal, runtime.Skip.FormatPayload(record), rejection, null));
                }
            }
            catch (Exception ex) when (runtime.Skip.IsSkippable(ex))
            {
                errors.Add(new ErrorRecordDraft(Name, ordinal, runtime.Skip.FormatPayload(record), ex.Message, ex));
            }

            // From the first dropped record on, kept records no longer sit at their input position.
            ordinals ??= Ordinals.Contiguous(chunk);
        }

        if (kept < chunk.Count && System.Runtime.CompilerServices.RuntimeHelpers.IsReferenceOrContainsReferences<T>())
        {
            Array.Clear(items, kept, chunk.Count - kept);
        }

        return ValueTask.FromResult(new Chunk<T>(items, kept, chunk.FirstOrdinal, chunk.ReadCount, chunk.EndPosition, errors.Stored)
        {
            Pooled = chunk.Pooled,
            Ordinals = ordinals,
            UnstoredErrors = errors.Unstored,
            InDoubt = chunk.InDoubt,
        });
    }

    protected override ValueTask ProcessAsync(T record, StepOutput<T> output, StepContext context, object? state, CancellationToken cancellationToken) =>
        throw new UnreachableException();

    /// <summary>Tells whether to keep a record; a dropped record with a <paramref name="rejection"/> becomes an error record.</summary>
    protected abstract bool Keep(T record, out string? rejection);
}

internal sealed class WhereStage<T>(string name, Func<T, bool> predicate) : FilterStage<T>(name)
{
    protected override bool Keep(T record, out string? rejection)
    {
        rejection = null;
        return predicate(record);
    }
}

/// <summary>Validation failures are data errors: always recorded and skipped, whatever the skip policy says of step exceptions.</summary>
internal sealed class ValidateStage<T>(string name, IRecordValidator<T> validator) : FilterStage<T>(name)
{
    protected override bool Keep(T record, out string? rejection)
    {
        rejection = validator.Validate(record);
        return rejection is null;
    }
}

internal sealed class AggregateStage<TIn, TOut>(string name, Func<IAggregator<TIn, TOut>> factory) : Stage<TIn, TOut>(name)
{
    public override bool IsAggregate => true;

    protected override object? CreatePartitionState() => factory();

    protected override ValueTask<Chunk<TOut>> ProcessChunkAsync(Chunk<TIn> chunk, StepContext context, object? state, PartitionRuntime runtime, CancellationToken cancellationToken)
    {
        var aggregator = (IAggregator<TIn, TOut>)state!;
        var items = chunk.Items;
        var errors = runtime.ErrorsOf(chunk);
        for (var i = 0; i < chunk.Count; i++)
        {
            try
            {
                aggregator.Add(items[i]);
            }
            catch (Exception ex) when (runtime.Skip.IsSkippable(ex))
            {
                errors.Add(new ErrorRecordDraft(Name, chunk.OrdinalAt(i), runtime.Skip.FormatPayload(items[i]), ex.Message, ex));
            }
        }

        chunk.Release();
        return ValueTask.FromResult(new Chunk<TOut>([], 0, chunk.FirstOrdinal, chunk.ReadCount, chunk.EndPosition, errors.Stored)
        {
            UnstoredErrors = errors.Unstored,
            InDoubt = chunk.InDoubt,
        });
    }

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

/// <summary>Helpers for <see cref="Chunk{T}.Ordinals"/>.</summary>
internal static class Ordinals
{
    /// <summary>Creates the ordinal array of a chunk whose items are still at their input positions.</summary>
    public static long[] Contiguous<T>(Chunk<T> chunk)
    {
        var ordinals = new long[Math.Max(chunk.Count, 1)];
        for (var i = 0; i < chunk.Count; i++)
        {
            ordinals[i] = chunk.FirstOrdinal + i;
        }

        return ordinals;
    }
}
