using System.ComponentModel.DataAnnotations;

namespace BatchKit.Hosting;

/// <summary>
/// The schedule and inventory details of one registered job. Bound from configuration under
/// <c>BatchKit:Jobs:&lt;job name&gt;</c>, on top of what the registration set in code.
/// </summary>
public sealed class JobScheduleOptions
{
    /// <summary>Gets or sets the cron expression: five fields (minute precision) or six (seconds first), in <see cref="TimeZone"/>.</summary>
    /// <value>The default value is <see langword="null"/>: the job is registered but never scheduled (it can still be run by name).</value>
    public string? Cron { get; set; }

    /// <summary>Gets or sets the IANA (or Windows) id of the time zone the cron expression is read in, such as <c>Europe/Berlin</c>.</summary>
    /// <value>The default value is <c>UTC</c>.</value>
    [Required]
    public string TimeZone { get; set; } = "UTC";

    /// <summary>Gets or sets what happens to occurrences missed while no host was running.</summary>
    /// <value>The default value is <see cref="MisfirePolicy.RunOnce"/>.</value>
    public MisfirePolicy Misfire { get; set; } = MisfirePolicy.RunOnce;

    /// <summary>Gets or sets how many missed occurrences <see cref="MisfirePolicy.CatchUp"/> runs at most.</summary>
    /// <value>The default value is 10.</value>
    [Range(1, 10_000)]
    public int MaxCatchUp { get; set; } = 10;

    /// <summary>Gets or sets a value indicating whether the scheduler runs the job.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets the priority: when jobs wait for a slot under <see cref="BatchKitHostingOptions.MaxConcurrentJobs"/>, higher priorities start first.</summary>
    /// <value>The default value is 0.</value>
    [Range(-1000, 1000)]
    public int Priority { get; set; }

    /// <summary>Gets or sets how long a run may take from its start to its completion; the health check reports a run that took longer, or is still running past it, as degraded.</summary>
    /// <value>The default value is <see langword="null"/>: no SLA.</value>
    public TimeSpan? Sla { get; set; }

    /// <summary>
    /// Gets or sets the reconciliation window for late-arriving data: after each scheduled occurrence has run, the runs of
    /// the job's earlier occurrences within this window (those at or after the occurrence minus the window) that completed
    /// are opened again with <see cref="RunOptions.ReprocessChangedInput"/>, so the partitions whose input changed, appeared
    /// or vanished since they completed are reprocessed (and only those).
    /// </summary>
    /// <value>The default value is <see langword="null"/>: completed runs are never reopened by the schedule.</value>
    /// <remarks>
    /// With a daily schedule, <c>TimeSpan.FromHours(48)</c> reconciles the two previous business dates at every run. Input
    /// that changes after its run left the window is not picked up: reprocess it by hand (<c>batchkit</c> or
    /// <see cref="JobRunner.RunAsync(RunParameters, RunOptions?, CancellationToken)"/> with <see cref="RunOptions.ReprocessChangedInput"/>
    /// or <see cref="RunOptions.Reprocess"/>). The job's sink must be able to replace a partition's output; otherwise each
    /// reconciliation fails with <see cref="JobValidationException"/>, which the scheduler logs.
    /// </remarks>
    public TimeSpan? ReconcileWindow { get; set; }

    /// <summary>Gets or sets a description of the job's input, for the job inventory.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? Input { get; set; }

    /// <summary>Gets or sets a description of the job's output, for the job inventory.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? Output { get; set; }

    /// <summary>Gets or sets a description of the job, for the job inventory.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? Description { get; set; }
}
