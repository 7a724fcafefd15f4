using Microsoft.Extensions.Logging;

namespace BatchKit;

/// <summary>The first step of a job definition: choose the source.</summary>
/// <remarks>
/// The state store, logger factory and time provider can be set here already, before the source (a host that supplies
/// them to every job it defines does so); the same methods on <see cref="JobBuilder{T}"/> replace them later.
/// </remarks>
public sealed class JobBuilder
{
    private readonly string _name;
    private Func<ICheckpointStore>? _store;
    private ILoggerFactory? _loggerFactory;
    private TimeProvider? _timeProvider;
    private bool _used;

    internal JobBuilder(string name) => _name = name;

    /// <summary>Gets the job name given to <see cref="Job.Create"/>.</summary>
    public string Name => _name;

    /// <summary>Uses a checkpoint store for runs, partition states, checkpoints and error records.</summary>
    /// <param name="store">The store; the job does not dispose it.</param>
    /// <returns>The same builder instance, so calls can be chained.</returns>
    /// <exception cref="InvalidOperationException"><see cref="ReadFrom{T}"/> was already called.</exception>
    public JobBuilder UseCheckpointStore(ICheckpointStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        ThrowIfUsed();
        _store = () => store;
        return this;
    }

    /// <summary>Uses a logger factory for the job's logs (categories <c>BatchKit.*</c>).</summary>
    /// <param name="loggerFactory">The logger factory.</param>
    /// <returns>The same builder instance, so calls can be chained.</returns>
    /// <exception cref="InvalidOperationException"><see cref="ReadFrom{T}"/> was already called.</exception>
    public JobBuilder UseLoggerFactory(ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        ThrowIfUsed();
        _loggerFactory = loggerFactory;
        return this;
    }

    /// <summary>Uses a time provider for timestamps, timeouts and leases.</summary>
    /// <param name="timeProvider">The time provider.</param>
    /// <returns>The same builder instance, so calls can be chained.</returns>
    /// <exception cref="InvalidOperationException"><see cref="ReadFrom{T}"/> was already called.</exception>
    public JobBuilder UseTimeProvider(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        ThrowIfUsed();
        _timeProvider = timeProvider;
        return this;
    }

    /// <summary>Sets the source the job reads.</summary>
    /// <typeparam name="T">The record type.</typeparam>
    /// <param name="source">The source.</param>
    /// <returns>A builder for the rest of the job.</returns>
    public JobBuilder<T> ReadFrom<T>(ISource<T> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        _used = true;
        var draft = new JobDraft(_name);
        draft.Source = new SourceDefinition<T>(source);
        draft.Store = _store;
        draft.LoggerFactory = _loggerFactory ?? draft.LoggerFactory;
        draft.TimeProvider = _timeProvider ?? draft.TimeProvider;
        return new JobBuilder<T>(draft);
    }

    private void ThrowIfUsed()
    {
        if (_used)
        {
            throw new InvalidOperationException($"The job '{_name}' already has its source; set the store, logger factory and time provider on the builder ReadFrom returned.");
        }
    }
}
