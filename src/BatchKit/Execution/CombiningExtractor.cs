using System.Threading.Channels;

namespace BatchKit;

/// <summary>
/// The extract stage of a job with partial aggregation, for one input partition: reads it once through the steps that
/// come before the aggregation, aggregates it, and routes the partial results to their target partitions' segments of
/// the partition's one staging file. As with the row shuffle, the file is renamed into place when complete and the
/// extract partition is marked completed only after the rename: a crash repeats the whole input partition, and a
/// repeated attempt stages exactly the same partials.
/// </summary>
internal sealed class CombiningExtractor<TSource, TIn, TPartial, TOut>(
    ISource<TSource> source,
    Stage[] before,
    string name,
    Func<ICombiningAggregator<TIn, TPartial, TOut>> factory,
    IRecordRouter<TPartial> router,
    IStagingSerializer<TPartial> serializer) : IExtractor
{
    public IReadOnlyList<string> StageNames { get; } = [.. before.Select(s => s.Name), name];

    public string Description => "partial aggregation '" + name + "' before the shuffle";

    public async Task<PartitionOutcome> ExtractAsync(PartitionRuntime runtime, CancellationToken cancellationToken)
    {
        var input = StagingLayout.InputOf(runtime.Partition);
        var inputRuntime = runtime with { Partition = input, StartPosition = 0, StartOrdinal = 0, ErrorBudget = new ErrorBudget(runtime.Skip.MaxStoredErrorsPerPartition) };

        // The steps see the extract partition (error records, step contexts), and share the source's error budget.
        var stageRuntime = inputRuntime with { Partition = runtime.Partition };
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var token = linked.Token;
        var cause = new JobPipeline<TSource, TIn>.StageFailure();
        var capacity = runtime.Job.Options.ChannelCapacity;
        var first = Channel.CreateBounded<Chunk<TSource>>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = true });
        var tasks = new List<Task>(before.Length + 2) { JobPipeline<TSource, TIn>.Guard(JobPipeline<TSource, TIn>.ReadAsync(source, first.Writer, inputRuntime, token), linked, cause) };
        object reader = first.Reader;
        foreach (var stage in before)
        {
            var (next, writer) = stage.CreateChannel(capacity);
            tasks.Add(JobPipeline<TSource, TIn>.Guard(stage.RunAsync(reader, writer, stageRuntime, token), linked, cause));
            reader = next;
        }

        var aggregate = AggregateAsync((ChannelReader<Chunk<TIn>>)reader, runtime, stageRuntime, token);
        tasks.Add(JobPipeline<TSource, TIn>.Guard(aggregate, linked, cause));
        await JobPipeline<TSource, TIn>.WhenAllOrFirstFailure(tasks, cause, cancellationToken).ConfigureAwait(false);
        return await aggregate.ConfigureAwait(false);
    }

    private async Task<PartitionOutcome> AggregateAsync(ChannelReader<Chunk<TIn>> input, PartitionRuntime runtime, PartitionRuntime stageRuntime, CancellationToken cancellationToken)
    {
        var aggregator = factory();
        long read = 0, errors = 0, position = 0;
        while (await input.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (input.TryRead(out var chunk))
            {
                var items = chunk.Items;
                var chunkErrors = stageRuntime.ErrorsOf(chunk);
                for (var i = 0; i < chunk.Count; i++)
                {
                    try
                    {
                        aggregator.Add(items[i]);
                    }
                    catch (Exception ex) when (runtime.Skip.IsSkippable(ex))
                    {
                        chunkErrors.Add(new ErrorRecordDraft(name, chunk.OrdinalAt(i), runtime.Skip.FormatPayload(items[i]), ex.Message, ex));
                    }
                }

                chunk.Release();
                var bad = (chunkErrors.Stored?.Count ?? 0) + chunkErrors.Unstored;
                read += chunk.ReadCount;
                errors += bad;
                position = chunk.EndPosition;
                if (bad > 0)
                {
                    // Error records are stored as they come, as the row shuffle stores the source's; the completion below holds the totals.
                    var checkpoint = new Checkpoint(runtime.Partition.Id, "extract", position, read, 0, errors, 0, runtime.Job.TimeProvider.GetUtcNow());
                    await runtime.Store.CommitChunkAsync(runtime.Lease, checkpoint, chunkErrors.Stored?.ConvertAll(d => runtime.ToErrorRecord(d)) ?? [], cancellationToken).ConfigureAwait(false);
                }

                runtime.Counters.Add(chunk.ReadCount, bad);
                runtime.Progress?.Set(read, 0, errors, 0);
                ErrorRate.ThrowIfExceeded(runtime, final: false);
            }
        }

        long routed = 0;
        var suffix = ".tmp-" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using (var staging = new StagingFile.Writer(StagingLayout.File(runtime.StagingDirectory, runtime.RunKey, runtime.Partition.Id), suffix, router.PartitionCount))
        {
            foreach (var partial in aggregator.CompletePartials())
            {
                staging.Write(router.Route(partial), partial, serializer);
                routed++;
            }

            cancellationToken.ThrowIfCancellationRequested();
            staging.Commit();
        }

        // As with the row shuffle, the completion records the one staging file the partition published (as its sink position).
        var done = new Checkpoint(runtime.Partition.Id, "extract", 0, read, routed, errors, 1, runtime.Job.TimeProvider.GetUtcNow());
        await runtime.Store.CommitChunkAsync(runtime.Lease, done, [], cancellationToken).ConfigureAwait(false);
        runtime.Progress?.Set(read, routed, errors, 0);
        return new PartitionOutcome(read, routed, errors);
    }
}
