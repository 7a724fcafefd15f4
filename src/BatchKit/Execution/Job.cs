using Microsoft.Extensions.Logging;

namespace BatchKit;

/// <summary>
/// A built, immutable job definition: source, partitioner, steps, sink and policies. Run it with a <see cref="JobRunner"/>.
/// </summary>
/// <remarks>Instances are immutable and thread-safe.</remarks>
public sealed class Job
{
    internal Job(string name, JobPipeline pipeline, IPartitioner partitioner, JobOptions options, SkipOptions skip, Func<ICheckpointStore> store, bool ownsStore, ILoggerFactory loggerFactory, TimeProvider timeProvider)
    {
        Name = name;
        Pipeline = pipeline;
        Partitioner = partitioner;
        Options = options;
        Skip = skip;
        StoreFactory = store;
        OwnsStore = ownsStore;
        LoggerFactory = loggerFactory;
        TimeProvider = timeProvider;
    }

    /// <summary>Gets the job name, the first part of every RunKey.</summary>
    public string Name { get; }

    /// <summary>Gets the names of the job's stages, in execution order (source, steps, sink).</summary>
    public IReadOnlyList<string> StageNames => Pipeline.StageNames;

    internal JobPipeline Pipeline { get; }

    internal IPartitioner Partitioner { get; }

    internal JobOptions Options { get; }

    internal SkipOptions Skip { get; }

    internal Func<ICheckpointStore> StoreFactory { get; }

    internal bool OwnsStore { get; }

    internal ILoggerFactory LoggerFactory { get; }

    internal TimeProvider TimeProvider { get; }

    internal SlaDefinition? Sla { get; init; }

    /// <summary>Gets the notifier told of every completed run, if any.</summary>
    internal IRunNotifier? Notifier { get; init; }

    /// <summary>Starts the definition of a job.</summary>
    /// <param name="name">The job name: letters, digits, '-', '_' and '.'.</param>
    /// <returns>A builder that takes the job's source next.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or has other characters.</exception>
    public static JobBuilder Create(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw new ArgumentException($"The job name '{name}' may only contain letters, digits, '-', '_' and '.'.", nameof(name));
        }

        return new JobBuilder(name);
    }
}
