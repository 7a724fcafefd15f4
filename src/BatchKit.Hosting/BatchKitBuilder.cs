using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace BatchKit.Hosting;

/// <summary>
/// Registers jobs and the state store with <see cref="BatchKitServiceCollectionExtensions.AddBatchKit"/>. Every
/// method returns the same builder, so calls can be chained.
/// </summary>
public sealed class BatchKitBuilder
{
    private readonly List<JobRegistration> _jobs = [];

    internal BatchKitBuilder(IServiceCollection services) => Services = services;

    /// <summary>Gets the service collection the jobs are registered in.</summary>
    public IServiceCollection Services { get; }

    internal IReadOnlyList<JobRegistration> Jobs => _jobs;

    internal Func<IServiceProvider, ICheckpointStore>? StoreFactory { get; private set; }

    internal Func<IServiceProvider, IScheduleStateStore>? ScheduleStoreFactory { get; private set; }

    /// <summary>
    /// Registers a job defined from a builder that already carries the host's state store, logger factory and
    /// <see cref="TimeProvider"/> (from the container); the definition may replace them.
    /// </summary>
    /// <typeparam name="T">The record type the job's sink takes.</typeparam>
    /// <param name="name">The job name: letters, digits, '-', '_' and '.'.</param>
    /// <param name="define">Defines the job from the container and the started builder (<c>(sp, job) =&gt; job.ReadFrom(…)…WriteTo(…)</c>); the host calls <c>Build()</c>.</param>
    /// <param name="schedule">Sets the job's schedule and inventory details; configuration under <c>BatchKit:Jobs:&lt;name&gt;</c> overrides them.</param>
    /// <param name="runParameters">Turns a scheduled occurrence into the run's parameters (its RunKey); <see langword="null"/> for <c>date</c> = the business date (<see cref="ScheduledOccurrence.BusinessDate"/>).</param>
    /// <returns>The same builder instance, so calls can be chained.</returns>
    /// <exception cref="ArgumentException">The name is not a valid job name, or a job of that name is already registered.</exception>
    /// <remarks>
    /// The job is built once, when the host starts; a definition error fails the start with the <see cref="JobValidationException"/>.
    /// Values under <c>BatchKit:Jobs:&lt;name&gt;:Options</c> in configuration (for example <c>CommitInterval</c>,
    /// <c>MaxParallelism</c>, <c>Retry:MaxRetries</c>) are applied to the definition's <see cref="JobOptions"/> after
    /// <paramref name="define"/>, so configuration wins over code, as for the schedule.
    /// </remarks>
    public BatchKitBuilder AddJob<T>(string name, Func<IServiceProvider, JobBuilder, JobBuilder<T>> define, Action<JobScheduleOptions>? schedule = null, Func<ScheduledOccurrence, RunParameters>? runParameters = null)
    {
        ArgumentNullException.ThrowIfNull(define);
        return Add(name, sp =>
        {
            var start = Job.Create(name)
                .UseCheckpointStore(sp.GetRequiredService<ICheckpointStore>())
                .UseLoggerFactory(sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance)
                .UseTimeProvider(sp.GetService<TimeProvider>() ?? TimeProvider.System);
            var definition = define(sp, start);
            if (sp.GetService<IConfiguration>()?.GetSection(HostedJobOptionsValidator.SectionPath(name)) is { } section && section.Exists())
            {
                definition.Configure(section.Bind);
            }

            return definition.Build();
        }, schedule, runParameters);
    }

    /// <summary>
    /// Registers a job that the factory builds itself. It should use the host's store
    /// (<c>sp.GetRequiredService&lt;ICheckpointStore&gt;()</c>): the scheduler's history, inventory and health checks read that store.
    /// </summary>
    /// <param name="name">The job name; must equal the built job's <see cref="Job.Name"/>.</param>
    /// <param name="factory">Builds the job.</param>
    /// <param name="schedule">Sets the job's schedule and inventory details; configuration under <c>BatchKit:Jobs:&lt;name&gt;</c> overrides them.</param>
    /// <param name="runParameters">Turns a scheduled occurrence into the run's parameters; <see langword="null"/> for <c>date</c> = the business date.</param>
    /// <returns>The same builder instance, so calls can be chained.</returns>
    /// <exception cref="ArgumentException">The name is empty, or a job of that name is already registered.</exception>
    public BatchKitBuilder AddJob(string name, Func<IServiceProvider, Job> factory, Action<JobScheduleOptions>? schedule = null, Func<ScheduledOccurrence, RunParameters>? runParameters = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        return Add(name, sp =>
        {
            var job = factory(sp);
            return job.Name == name
                ? job
                : throw new InvalidOperationException($"The job registered as '{name}' was built with the name '{job.Name}'; the names must match.");
        }, schedule, runParameters);
    }

    /// <summary>Keeps runs, checkpoints and the schedule in SQLite files: the state file and <c>&lt;state file&gt;.schedule.db</c> beside it.</summary>
    /// <param name="path">The state file; <see langword="null"/> for <see cref="BatchKitHostingOptions.StatePath"/> from configuration.</param>
    /// <param name="options">Options of the SQLite store, or <see langword="null"/> for the defaults.</param>
    /// <returns>The same builder instance, so calls can be chained.</returns>
    public BatchKitBuilder UseSqliteStore(string? path = null, SqliteCheckpointStoreOptions? options = null)
    {
        string Resolve(IServiceProvider sp) => path
            ?? sp.GetRequiredService<IOptions<BatchKitHostingOptions>>().Value.StatePath
            ?? throw new InvalidOperationException("UseSqliteStore was given no path and the configuration has no BatchKit:StatePath.");
        StoreFactory = sp => new SqliteCheckpointStore(Resolve(sp), options, sp.GetService<TimeProvider>() ?? TimeProvider.System);
        ScheduleStoreFactory ??= sp => new SqliteScheduleStateStore(SqliteScheduleStateStore.BesideState(Resolve(sp)));
        return this;
    }

    /// <summary>Uses another state store (for example PostgreSQL, so hosts on several machines share runs and leases).</summary>
    /// <param name="factory">Creates the store once; the container disposes it when the host stops.</param>
    /// <returns>The same builder instance, so calls can be chained.</returns>
    /// <remarks>
    /// Without <see cref="UseScheduleStore"/> the last claimed occurrences are then kept in memory: misfires are not
    /// detected across restarts, and only the run lease keeps two hosts from running one RunKey at once.
    /// </remarks>
    public BatchKitBuilder UseStore(Func<IServiceProvider, ICheckpointStore> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        StoreFactory = factory;
        return this;
    }

    /// <summary>Uses a store for the last claimed occurrence of each job (misfire handling, one start per occurrence across hosts).</summary>
    /// <param name="factory">Creates the store once.</param>
    /// <returns>The same builder instance, so calls can be chained.</returns>
    public BatchKitBuilder UseScheduleStore(Func<IServiceProvider, IScheduleStateStore> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ScheduleStoreFactory = factory;
        return this;
    }

    /// <summary>Changes the hosting options in code; configuration (section <see cref="BatchKitHostingOptions.SectionName"/>) is applied after and wins.</summary>
    /// <param name="configure">Changes the options.</param>
    /// <returns>The same builder instance, so calls can be chained.</returns>
    public BatchKitBuilder Configure(Action<BatchKitHostingOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Services.Configure(configure);
        return this;
    }

    private BatchKitBuilder Add(string name, Func<IServiceProvider, Job> factory, Action<JobScheduleOptions>? schedule, Func<ScheduledOccurrence, RunParameters>? runParameters)
    {
        _ = Job.Create(name); // validates the name
        if (_jobs.Any(j => j.Name == name))
        {
            throw new ArgumentException($"A job named '{name}' is already registered.", nameof(name));
        }

        _jobs.Add(new JobRegistration(name, factory, runParameters ?? JobRegistration.DefaultRunParameters));
        Services.Configure<BatchKitHostingOptions>(o =>
        {
            if (!o.Jobs.TryGetValue(name, out var options))
            {
                options = new JobScheduleOptions();
                o.Jobs[name] = options;
            }

            schedule?.Invoke(options);
        });
        return this;
    }
}
