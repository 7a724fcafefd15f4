using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BatchKit;

/// <summary>The mutable state shared by the typed builders of one job definition.</summary>
internal sealed class JobDraft(string name)
{
    public string Name { get; } = name;

    public SourceDefinition? Source { get; set; }

    public IPartitioner? Partitioner { get; set; }

    public ShuffleDefinition? Shuffle { get; set; }

    public List<Stage> Stages { get; } = [];

    /// <summary>Gets or sets the partial aggregation before the shuffle, if any.</summary>
    public CombineDefinition? Combine { get; set; }

    /// <summary>Gets or sets how many stages come before <see cref="Combine"/>; they run in the extract partitions.</summary>
    public int CombineAt { get; set; }

    public object? Sink { get; set; }

    public JobOptions Options { get; } = new();

    public SkipOptions Skip { get; } = new();

    public Func<ICheckpointStore>? Store { get; set; }

    public ILoggerFactory LoggerFactory { get; set; } = NullLoggerFactory.Instance;

    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    public bool Built { get; set; }

    public SlaBuilder? Sla { get; set; }

    public IRunNotifier? Notifier { get; set; }

    public List<string> Problems { get; } = [];

    /// <summary>
    /// Names a step: an explicit name must be unique (a duplicate is a definition problem, reported by Build), a
    /// default name gets a suffix (<c>validate</c>, <c>validate-2</c>…). Error records are keyed by step name, so two
    /// steps with one name would overwrite each other's records.
    /// </summary>
    public string StageName(string? explicitName, string fallback)
    {
        if (!string.IsNullOrWhiteSpace(explicitName))
        {
            if (Stages.Any(s => s.Name == explicitName) || explicitName is ErrorRecord.SourceStepName or "sink")
            {
                Problems.Add($"The step name '{explicitName}' is used twice (or is reserved: 'source' and 'sink' are); step names must be unique because error records are keyed by step.");
            }

            return explicitName;
        }

        return UniqueStageName(fallback);
    }

    private string UniqueStageName(string name)
    {
        var candidate = name;
        for (var i = 2; Stages.Any(s => s.Name == candidate); i++)
        {
            candidate = name + "-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return candidate;
    }
}

internal abstract class SourceDefinition
{
    public abstract Type RecordType { get; }

    public abstract JobPipeline CreatePipeline<TSink>(ISink<TSink> sink, Stage[] stages, ShuffleDefinition? shuffle, IPartitioner inputPartitioner);

    public abstract JobPipeline CreateCombinedPipeline<TSink>(ISink<TSink> sink, Stage[] before, Stage[] after, CombineDefinition combine, IPartitioner inputPartitioner);
}

internal sealed class SourceDefinition<T>(ISource<T> source) : SourceDefinition
{
    public ISource<T> Source { get; } = source;

    public override Type RecordType => typeof(T);

    public override JobPipeline CreatePipeline<TSink>(ISink<TSink> sink, Stage[] stages, ShuffleDefinition? shuffle, IPartitioner inputPartitioner) =>
        new JobPipeline<T, TSink>(Source, stages, sink, (ShuffleDefinition<T>?)shuffle, inputPartitioner);

    public override JobPipeline CreateCombinedPipeline<TSink>(ISink<TSink> sink, Stage[] before, Stage[] after, CombineDefinition combine, IPartitioner inputPartitioner) =>
        combine.CreatePipeline(Source, before, after, sink, inputPartitioner);
}

internal abstract class ShuffleDefinition
{
    public abstract IPartitioner Partitioner { get; }
}

internal sealed class ShuffleDefinition<T>(IPartitioner partitioner, IRecordRouter<T> router, IStagingSerializer<T> serializer) : ShuffleDefinition
{
    public override IPartitioner Partitioner { get; } = partitioner;

    public IRecordRouter<T> Router { get; } = router;

    public IStagingSerializer<T> Serializer { get; } = serializer;
}
