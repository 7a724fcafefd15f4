using Microsoft.Extensions.Options;

namespace BatchKit.Hosting;

/// <summary>The registered jobs, built once with the container's services, with their parsed schedules.</summary>
internal sealed class BatchKitJobCatalog(IReadOnlyList<JobRegistration> registrations, IServiceProvider services, IOptions<BatchKitHostingOptions> options)
{
    private readonly Lock _lock = new();
    private IReadOnlyList<CatalogEntry>? _entries;

    public IReadOnlyList<JobRegistration> Registrations { get; } = registrations;

    /// <summary>Gets every job, building them on first use (a definition error surfaces here, at host start).</summary>
    public IReadOnlyList<CatalogEntry> Entries
    {
        get
        {
            lock (_lock)
            {
                return _entries ??= Build();
            }
        }
    }

    public CatalogEntry Get(string name) => Entries.FirstOrDefault(e => e.Name == name)
        ?? throw new ArgumentException($"No job named '{name}' is registered; registered: {string.Join(", ", Registrations.Select(r => r.Name))}.", nameof(name));

    private List<CatalogEntry> Build()
    {
        var settings = options.Value;
        var entries = new List<CatalogEntry>();
        foreach (var registration in Registrations)
        {
            var schedule = settings.Jobs.TryGetValue(registration.Name, out var s) ? s : new JobScheduleOptions();
            var parsed = schedule.Cron is null ? null : JobSchedule.Parse(schedule.Cron, schedule.TimeZone);
            entries.Add(new CatalogEntry(registration, registration.Factory(services), schedule, parsed));
        }

        return entries;
    }
}

/// <summary>One built job with its schedule.</summary>
internal sealed record CatalogEntry(JobRegistration Registration, Job Job, JobScheduleOptions Options, JobSchedule? Schedule)
{
    public string Name => Registration.Name;

    public TimeZoneInfo TimeZone => Schedule?.TimeZone ?? TimeZoneInfo.Utc;

    public RunParameters ParametersFor(DateTimeOffset occurrence) =>
        Registration.RunParameters(new ScheduledOccurrence(Name, TimeZoneInfo.ConvertTime(occurrence, TimeZone), TimeZone));
}
