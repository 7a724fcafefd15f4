using System.ComponentModel.DataAnnotations;

namespace BatchKit.Hosting;

/// <summary>Options of the hosted scheduler, bound from the configuration section <see cref="SectionName"/>.</summary>
public sealed class BatchKitHostingOptions
{
    /// <summary>The configuration section the options are bound from: <c>BatchKit</c>.</summary>
    public const string SectionName = "BatchKit";

    /// <summary>Gets or sets how many jobs run at once in this host; further due occurrences wait for a slot, highest <see cref="JobScheduleOptions.Priority"/> first.</summary>
    /// <value>The default value is 4.</value>
    [Range(1, 1000)]
    public int MaxConcurrentJobs { get; set; } = 4;

    /// <summary>Gets or sets the SQLite state file used by <see cref="BatchKitBuilder.UseSqliteStore"/> when it is given no path.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? StatePath { get; set; }

    /// <summary>Gets or sets a value indicating whether the hosted scheduler runs at all (a host that only serves the inventory or health sets it to <see langword="false"/>).</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool SchedulerEnabled { get; set; } = true;

    /// <summary>Gets the schedules of the registered jobs, by job name.</summary>
    public IDictionary<string, JobScheduleOptions> Jobs { get; } = new Dictionary<string, JobScheduleOptions>(StringComparer.Ordinal);
}
