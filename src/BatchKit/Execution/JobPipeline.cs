using System.Threading.Channels;

namespace BatchKit;

/// <summary>The typed pipeline of a job: how its partitions are planned and how one partition attempt runs.</summary>
internal abstract class JobPipeline
{
    public abstract IReadOnlyList<string> StageNames { get; }

    /// <summary>Whether a partition must run from its first record in every attempt (aggregating step, or a sink that replaces partitions).</summary>
    public abstract bool IsAtomic { get; }

    public abstract bool IsShuffled { get; }

    /// <summary>Gets the partitioner of the input read by the extract stage of a shuffled job.</summary>
    public abstract IPartitioner InputPartitioner { get; }

    public abstract ValueTask<IReadOnlyList<Partition>> PlanAsync(IPartitioner partitioner, PartitionPlanContext context, CancellationToken cancellationToken);

    public abstract Task<PartitionOutcome> RunPartitionAsync(PartitionRuntime runtime, CancellationToken cancellationToken);

    /// <summary>Describes what shapes the plan and the output, one <c>(name, value)</c> pair per element, in a fixed order.</summary>
    public abstract IReadOnlyList<KeyValuePair<string, string>> DescribeDefinition(IPartitioner partitioner);

    /// <summary>Removes the published output of a partition that left the plan, when the sink can (<see cref="IPartitionOutputRemover"/>).</summary>
    public abstract ValueTask RemovePartitionOutputAsync(SinkContext context, CancellationToken cancellationToken);

    /// <summary>Gets a value indicating whether the sink can remove a partition's published output (<see cref="IPartitionOutputRemover"/>).</summary>
    public abstract bool CanRemovePartitionOutput { get; }

    /// <summary>Gets a value indicating whether the sink replaces a partition's output when the partition runs again from its first record.</summary>
    public abstract bool ReplacesPartitionOutput { get; }

    /// <summary>Lets a sink that publishes per run (<see cref="IRunCompletingSink"/>) publish once every partition completed.</summary>
    public abstract ValueTask CompleteRunAsync(RunCompletionContext context, CancellationToken cancellationToken);
}

internal sealed partial class JobPipeline<TSource, TSink>(
    ISource<TSource> source,
    Stage[] stages,
    ISink<TSink> sink,
    ShuffleDefinition<TSource>? shuffle,
    IPartitioner inputPartitioner,
    IExtractor? extractor = null) : JobPipeline
{
    private const string SinkStageName = "sink";

    public override IReadOnlyList<string> StageNames { get; } = extractor is null
        ? ["source", .. stages.Select(s => s.Name), SinkStageName]
        : ["source", .. extractor.StageNames, .. stages.Skip(1).Select(s => s.Name), SinkStageName];

    public override bool IsAtomic { get; } = sink.Disposition == WriteDisposition.ReplacePartition || stages.Any(s => s.IsAggregate);

    public override bool IsShuffled => shuffle is not null;

    public override IPartitioner InputPartitioner => inputPartitioner;

    public override async ValueTask<IReadOnlyList<Partition>> PlanAsync(IPartitioner partitioner, PartitionPlanContext context, CancellationToken cancellationToken)
    {
        var targets = await partitioner.PlanAsync(context, cancellationToken).ConfigureAwait(false);
        if (shuffle is null)
        {
            return targets;
        }

        // Shuffled: the plan holds the extract partitions (the input, read once) followed by the target partitions.
        var inputs = await inputPartitioner.PlanAsync(context, cancellationToken).ConfigureAwait(false);
        var plan = new List<Partition>(inputs.Count + targets.Count);
        plan.AddRange(inputs.Select((p, i) => p with { Index = i, Id = StagingLayout.ExtractPrefix + p.Id }));
        plan.AddRange(targets.Select((p, i) => p with { Index = inputs.Count + i }));
        return plan;
    }

    public override IReadOnlyList<KeyValuePair<string, string>> DescribeDefinition(IPartitioner partitioner)
    {
        var entries = new List<KeyValuePair<string, string>> { new("stages", string.Join(", ", StageNames)) };
        if (shuffle is null)
        {
            entries.Add(new("partitioner", partitioner.Definition));
            if (partitioner is IRecordRouter<TSource> router)
            {
                entries.Add(new("partition count", router.PartitionCount.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }
        }
        else
        {
            entries.Add(new("input partitioner", inputPartitioner.Definition));
            entries.Add(new("shuffle", shuffle.Partitioner.Definition + ", staged by " + TypeName(shuffle.Serializer.GetType()) + (extractor is null ? string.Empty : ", " + extractor.Description)));
            entries.Add(new("partition count", shuffle.Router.PartitionCount.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        entries.Add(new("sink", TypeName(sink.GetType()) + ", " + sink.Disposition));
        return entries;
    }

    public override bool CanRemovePartitionOutput => sink is IPartitionOutputRemover;

    public override bool ReplacesPartitionOutput => sink is IPartitionOutputRemover || sink.Disposition == WriteDisposition.ReplacePartition;

    public override ValueTask RemovePartitionOutputAsync(SinkContext context, CancellationToken cancellationToken) =>
        sink is IPartitionOutputRemover remover ? remover.RemovePartitionOutputAsync(context, cancellationToken) : ValueTask.CompletedTask;

    // A type nested in a generic type is generic too, but its Name has no "`n" arity suffix to cut off.
    private static string TypeName(Type type) => type.IsGenericType
        ? type.Name.Split('`')[0] + "<" + string.Join(", ", type.GetGenericArguments().Select(TypeName)) + ">"
        : type.Name;

    public override ValueTask CompleteRunAsync(RunCompletionContext context, CancellationToken cancellationToken) =>
        sink is IRunCompletingSink completing
            ? completing.CompleteRunAsync(context with { Partitions = context.Partitions.Where(p => !StagingLayout.IsExtract(p)).ToList() }, cancellationToken)
            : ValueTask.CompletedTask;

    public override Task<PartitionOutcome> RunPartitionAsync(PartitionRuntime runtime, CancellationToken cancellationToken) =>
        StagingLayout.IsExtract(runtime.Partition)
            ? extractor?.ExtractAsync(runtime, cancellationToken) ?? ExtractAsync(runtime, cancellationToken)
            : ProcessAsync(runtime, cancellationToken);

    private async Task<PartitionOutcome> ProcessAsync(PartitionRuntime runtime, CancellationToken cancellationToken)
    {
        var store = runtime.Store;
        var partition = runtime.Partition;
        Checkpoint? checkpoint = null;
        if (IsAtomic)
        {
            await store.ClearCheckpointAsync(runtime.Lease, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            checkpoint = await store.GetCheckpointAsync(runtime.RunKey.Value, partition.Id, cancellationToken).ConfigureAwait(false);
        }

        runtime = runtime with
        {
            StartPosition = checkpoint?.SourcePosition ?? 0,
            StartOrdinal = checkpoint?.RecordsRead ?? 0,
            ErrorBudget = new ErrorBudget(runtime.Skip.MaxStoredErrorsPerPartition - Math.Min(checkpoint?.ErrorCount ?? 0, runtime.Skip.MaxStoredErrorsPerPartition)),
        };
        runtime.Progress?.Set(checkpoint?.RecordsRead ?? 0, checkpoint?.RecordsWritten ?? 0, checkpoint?.ErrorCount ?? 0, checkpoint?.InDoubtCount ?? 0);
        var input = shuffle is null ? source : new StagingSource<TSource>(shuffle.Serializer, runtime.StagingDirectory, runtime.Plan);

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var token = linked.Token;
        var cause = new StageFailure();
        var capacity = runtime.Job.Options.ChannelCapacity;
        var first = Channel.CreateBounded<Chunk<TSource>>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = true });
        var tasks = new List<Task>(stages.Length + 2) { Guard(ReadAsync(input, first.Writer, runtime, token), linked, cause) };
        object reader = first.Reader;
        foreach (var stage in stages)
        {
            runtime.Probe?.AddQueue(stage.Name, stage.InputQueueCount(reader));
            var (next, writer) = stage.CreateChannel(capacity);
            tasks.Add(Guard(stage.RunAsync(reader, writer, runtime, token), linked, cause));
            reader = next;
        }

        var sinkInput = (ChannelReader<Chunk<TSink>>)reader;
        runtime.Probe?.AddQueue(SinkStageName, () => sinkInput.CanCount ? sinkInput.Count : 0);
        var consume = WriteAsync(sinkInput, runtime, checkpoint, token);
        tasks.Add(Guard(consume, linked, cause));
        await WhenAllOrFirstFailure(tasks, cause, cancellationToken).ConfigureAwait(false);
        return await consume.ConfigureAwait(false);
    }

    /// <summary>The source stage: fills chunks of <see cref="JobOptions.CommitInterval"/> records, retrying reads by reopening at the last good position.</summary>
    internal static async Task ReadAsync(ISource<TSource> input, ChannelWriter<Chunk<TSource>> output, PartitionRuntime runtime, CancellationToken cancellationToken)
    {
        try
        {
            await using var reader = new RetryingSourceReader<TSource>(input, runtime);
            var ordinal = runtime.StartOrdinal;
            var size = runtime.CommitInterval;
            var end = false;
            while (!end)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var buffer = System.Buffers.ArrayPool<TSource>.Shared.Rent(size);
                var filled = 0;
                while (filled < size)
                {
                    var n = await reader.ReadAsync(buffer.AsMemory(filled, size - filled), cancellationToken).ConfigureAwait(false);
                    if (n == 0)
                    {
                        end = true;
                        break;
                    }

                    filled += n;
                }

                var (errors, unstored) = reader.TakeErrors();
                var readCount = filled + (errors?.Count ?? 0) + unstored;
                if (readCount > 0)
                {
                    await output.WriteAsync(new Chunk<TSource>(buffer, filled, ordinal, readCount, reader.Position, errors) { Pooled = true, UnstoredErrors = unstored }, cancellationToken).ConfigureAwait(false);
                    ordinal += readCount;
                }
                else
                {
                    System.Buffers.ArrayPool<TSource>.Shared.Return(buffer);
                }
            }

            output.TryComplete();
        }
        catch (Exception ex)
        {
            output.TryComplete(ex);
            throw;
        }
    }

    /// <summary>The sink stage: writes each chunk, commits it, then queues the checkpoint with the chunk's error records.</summary>
    private async Task<PartitionOutcome> WriteAsync(ChannelReader<Chunk<TSink>> input, PartitionRuntime runtime, Checkpoint? checkpoint, CancellationToken cancellationToken)
    {
        var read = checkpoint?.RecordsRead ?? 0;
        var written = checkpoint?.RecordsWritten ?? 0;
        var errorCount = checkpoint?.ErrorCount ?? 0;
        var inDoubt = checkpoint?.InDoubtCount ?? 0;
        long? sinkPosition = checkpoint?.SinkPosition;
        var sourcePosition = checkpoint?.SourcePosition ?? 0;
        var writer = new RetryingSinkWriter<TSink>(sink, runtime, sinkPosition, IsAtomic);
        await using (writer.ConfigureAwait(false))
        {
            var checkpoints = new CheckpointWriter(runtime);
            await using (checkpoints.ConfigureAwait(false))
            {
                await writer.OpenAsync(cancellationToken).ConfigureAwait(false);
                while (await input.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    while (input.TryRead(out var chunk))
                    {
                        read += chunk.ReadCount;
                        sourcePosition = chunk.EndPosition;
                        written += chunk.Count;
                        errorCount += chunk.ErrorCount;
                        inDoubt += chunk.InDoubt;
                        using var span = Telemetry.StartChunk(runtime, chunk);
                        try
                        {
                            if (writer.CommitsCheckpoints)
                            {
                                // One transaction holds the chunk and its checkpoint: written in order, nothing queued.
                                var next = new Checkpoint(runtime.Partition.Id, SinkStageName, sourcePosition, read, written, errorCount, writer.Position, runtime.Job.TimeProvider.GetUtcNow()) { InDoubtCount = inDoubt };
                                var errors = chunk.Errors is { Count: > 0 } drafts ? drafts.Select(runtime.ToErrorRecord).ToList() : (IReadOnlyList<ErrorRecord>)[];
                                if (chunk.Count > 0)
                                {
                                    await writer.WriteAndCommitAsync(chunk.Memory, new ChunkCheckpoint(runtime.Store, runtime.Lease, next, errors), cancellationToken).ConfigureAwait(false);
                                }
                                else
                                {
                                    await runtime.Store.CommitChunkAsync(runtime.Lease, next, errors, cancellationToken).ConfigureAwait(false);
                                }

                                chunk.Release();
                                runtime.Probe?.Checkpointed();
                            }
                            else
                            {
                                if (chunk.Count > 0)
                                {
                                    await writer.WriteAndCommitAsync(chunk.Memory, null, cancellationToken).ConfigureAwait(false);
                                }

                                chunk.Release();
                            }

                            if (!writer.CommitsCheckpoints && (!IsAtomic || chunk.ErrorCount > 0 || chunk.InDoubt > 0))
                            {
                                var next = new Checkpoint(runtime.Partition.Id, SinkStageName, sourcePosition, read, written, errorCount, writer.Position, runtime.Job.TimeProvider.GetUtcNow()) { InDoubtCount = inDoubt };
                                // The chunk is committed: its checkpoint is queued even when the partition is being cancelled
                                // (a cancelled token would refuse the queue at once and leave committed output uncovered).
                                await checkpoints.EnqueueAsync(next, chunk.Errors, CancellationToken.None).ConfigureAwait(false);
                            }
                        }
                        catch (Exception ex) when (span is not null && ex is not OperationCanceledException)
                        {
                            Telemetry.Fail(span, ex);
                            throw;
                        }

                        Telemetry.CountChunk(runtime, chunk);
                        runtime.Counters.Add(IsShuffled ? 0 : chunk.ReadCount, chunk.ErrorCount); // shuffled input was counted by the extract stage
                        runtime.Progress?.Set(read, written, errorCount, inDoubt);
                        ErrorRate.ThrowIfExceeded(runtime, final: false);
                    }
                }

                // The final checkpoint holds the partition's totals (also for atomic partitions) and follows the sink's
                // last commit; the output is published only once it is durable.
                var sinkFinal = await writer.CommitFinalAsync(cancellationToken).ConfigureAwait(false);
                var final = new Checkpoint(runtime.Partition.Id, SinkStageName, sourcePosition, read, written, errorCount, sinkFinal, runtime.Job.TimeProvider.GetUtcNow()) { InDoubtCount = inDoubt };
                await checkpoints.EnqueueAsync(final, null, cancellationToken).ConfigureAwait(false);
                await checkpoints.FlushAsync().ConfigureAwait(false);
                await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        return new PartitionOutcome(read, written, errorCount, inDoubt);
    }

    internal static async Task Guard(Task task, CancellationTokenSource linked, StageFailure cause)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The first stage to fail while the pipeline still runs holds the cause, whatever its type (an
            // OperationCanceledException a sink raised itself is a failure too); the stages it stops then fail with
            // cancellations. One failed stage stops the others: a blocked writer would otherwise wait forever on a full channel.
            if (!linked.IsCancellationRequested)
            {
                Interlocked.CompareExchange(ref cause.Exception, ex, null);
            }

            await linked.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Awaits every stage and rethrows the failure that stopped the pipeline, not the cancellations it caused; when the
    /// attempt's own token stopped it, the cancellation.
    /// </summary>
    internal static async Task WhenAllOrFirstFailure(IReadOnlyList<Task> tasks, StageFailure cause, CancellationToken cancellationToken)
    {
        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (Exception) when (cause.Exception is { } failure && !cancellationToken.IsCancellationRequested)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
    }

    /// <summary>The exception of the stage that failed first in one partition attempt.</summary>
    internal sealed class StageFailure
    {
        public Exception? Exception;
    }
}
