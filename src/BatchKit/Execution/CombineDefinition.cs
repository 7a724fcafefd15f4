namespace BatchKit;

/// <summary>
/// Partial aggregation before the shuffle: the steps before the aggregation and the aggregation itself run in the
/// extract partitions, which stage partial results; the target partitions merge the partials and run the later steps.
/// </summary>
internal abstract class CombineDefinition
{
    public abstract IPartitioner Partitioner { get; }

    public abstract string Name { get; }

    public abstract JobPipeline CreatePipeline<TSource, TSink>(ISource<TSource> source, Stage[] before, Stage[] after, ISink<TSink> sink, IPartitioner inputPartitioner);
}

internal sealed class CombineDefinition<TIn, TPartial, TOut>(
    string name,
    IPartitioner partitioner,
    IRecordRouter<TPartial> router,
    Func<ICombiningAggregator<TIn, TPartial, TOut>> factory,
    IStagingSerializer<TPartial> serializer) : CombineDefinition
{
    public override IPartitioner Partitioner { get; } = partitioner;

    public override string Name { get; } = name;

    public override JobPipeline CreatePipeline<TSource, TSink>(ISource<TSource> source, Stage[] before, Stage[] after, ISink<TSink> sink, IPartitioner inputPartitioner)
    {
        var merge = new AggregateStage<TPartial, TOut>(Name, () => new Merger(factory()));
        var extractor = new CombiningExtractor<TSource, TIn, TPartial, TOut>(source, before, Name, factory, router, serializer);
        var shuffle = new ShuffleDefinition<TPartial>(Partitioner, router, serializer);
        return new JobPipeline<TPartial, TSink>(EmptySource<TPartial>.Instance, [merge, .. after], sink, shuffle, inputPartitioner, extractor);
    }

    /// <summary>The aggregation of a target partition: merges the partials routed to it.</summary>
    private sealed class Merger(ICombiningAggregator<TIn, TPartial, TOut> inner) : IAggregator<TPartial, TOut>
    {
        public void Add(TPartial record) => inner.Merge(record);

        public IEnumerable<TOut> Complete() => inner.Complete();
    }
}

/// <summary>Runs an extract partition of a shuffled job in place of the default routing of source records.</summary>
internal interface IExtractor
{
    /// <summary>Gets the names of the steps that run in the extract partitions, then the aggregation's.</summary>
    IReadOnlyList<string> StageNames { get; }

    string Description { get; }

    Task<PartitionOutcome> ExtractAsync(PartitionRuntime runtime, CancellationToken cancellationToken);
}

/// <summary>The source of a pipeline whose partitions all read staging.</summary>
internal sealed class EmptySource<T> : ISource<T>
{
    public static readonly EmptySource<T> Instance = new();

    public ValueTask<ISourceReader<T>> OpenAsync(SourceContext context, CancellationToken cancellationToken) =>
        throw new InvalidOperationException($"Partition '{context.Partition.Id}' reads staging only.");
}
