using BatchKit.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace BatchKit;

/// <summary>Registers BatchKit jobs, their state store and the hosted scheduler in a service collection.</summary>
public static class BatchKitServiceCollectionExtensions
{
    /// <summary>
    /// Registers the jobs and the state store that <paramref name="configure"/> names, the hosted scheduler, the job
    /// inventory (<see cref="IBatchJobInventory"/>), and <see cref="BatchKitHostingOptions"/> bound from the configuration
    /// section <c>BatchKit</c> and validated when the host starts. Each job's <see cref="JobOptions"/> are bound from
    /// <c>BatchKit:Jobs:&lt;job name&gt;:Options</c> (a named options instance per job) and validated at start with
    /// <see cref="JobOptionsValidator"/>, the rules <see cref="JobBuilder{T}.Build"/> applies; a value out of range fails
    /// the start with an <see cref="OptionsValidationException"/> naming the job, the property, the expected range and the value found.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Adds jobs and chooses the store (<see cref="BatchKitBuilder.UseSqliteStore"/>, <see cref="BatchKitBuilder.UseStore"/>).</param>
    /// <returns>The same service collection, so calls can be chained.</returns>
    /// <exception cref="InvalidOperationException"><paramref name="configure"/> chose no store, or AddBatchKit was called twice.</exception>
    /// <remarks>
    /// The store is a singleton that the container disposes. The jobs' logger factory and <see cref="TimeProvider"/> come
    /// from the container (a <see cref="TimeProvider"/> registration replaces <see cref="TimeProvider.System"/>, for tests).
    /// A host stopping (SIGTERM, Ctrl+C) cancels the running jobs, which stop at the next chunk boundary within the host's
    /// shutdown timeout (<c>HostOptions.ShutdownTimeout</c>, 30 seconds by default) and resume at the next start.
    /// </remarks>
    public static IServiceCollection AddBatchKit(this IServiceCollection services, Action<BatchKitBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        if (services.Any(d => d.ServiceType == typeof(BatchKitJobCatalog)))
        {
            throw new InvalidOperationException("AddBatchKit was already called; register every job in one call.");
        }

        var builder = new BatchKitBuilder(services);
        configure(builder);
        var storeFactory = builder.StoreFactory
            ?? throw new InvalidOperationException("AddBatchKit needs a state store: call UseSqliteStore(path) or UseStore(factory).");
        var scheduleStoreFactory = builder.ScheduleStoreFactory ?? (_ => new InMemoryScheduleStateStore());
        var jobs = builder.Jobs.ToList();

        services.AddOptions<BatchKitHostingOptions>()
            .BindConfiguration(BatchKitHostingOptions.SectionName)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<BatchKitHostingOptions>>(new BatchKitHostingOptionsValidator(jobs));
        foreach (var job in jobs)
        {
            services.AddOptions<JobOptions>(job.Name)
                .BindConfiguration(HostedJobOptionsValidator.SectionPath(job.Name))
                .ValidateOnStart();
        }

        services.AddSingleton<IValidateOptions<JobOptions>>(new HostedJobOptionsValidator(jobs));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddSingleton(storeFactory);
        services.AddSingleton(scheduleStoreFactory);
        services.AddSingleton(sp => new BatchKitJobCatalog(jobs, sp, sp.GetRequiredService<IOptions<BatchKitHostingOptions>>()));
        services.AddSingleton<IBatchJobInventory, BatchJobInventory>();
        services.TryAddSingleton<IBatchJobSlaCheck, DurationSlaCheck>();
        services.AddHostedService<BatchKitScheduler>();
        return services;
    }
}
