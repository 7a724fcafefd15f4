namespace BatchKit.Hosting;

/// <summary>One row of the job inventory: a registered job, its schedule, inventory details, next run and last run.</summary>
public sealed record BatchJobInfo
{
    /// <summary>Gets the job name.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the cron expression, or <see langword="null"/> for a job that is not scheduled.</summary>
    public string? Cron { get; init; }

    /// <summary>Gets the id of the time zone the cron expression is read in.</summary>
    public required string TimeZone { get; init; }

    /// <summary>Gets a value indicating whether the scheduler runs the job.</summary>
    public bool Enabled { get; init; }

    /// <summary>Gets the misfire policy.</summary>
    public MisfirePolicy Misfire { get; init; }

    /// <summary>Gets the priority among jobs waiting for a slot.</summary>
    public int Priority { get; init; }

    /// <summary>Gets the SLA (longest run from start to completion), if any.</summary>
    public TimeSpan? Sla { get; init; }

    /// <summary>Gets the window within which completed runs are reconciled when their input changes late (<see cref="JobScheduleOptions.ReconcileWindow"/>).</summary>
    public TimeSpan? ReconcileWindow { get; init; }

    /// <summary>Gets the description of the job, if any.</summary>
    public string? Description { get; init; }

    /// <summary>Gets the description of the job's input, if any.</summary>
    public string? Input { get; init; }

    /// <summary>Gets the description of the job's output, if any.</summary>
    public string? Output { get; init; }

    /// <summary>Gets the job's stages (source, steps, sink), in execution order.</summary>
    public IReadOnlyList<string> Stages { get; init; } = [];

    /// <summary>Gets the next scheduled occurrence, or <see langword="null"/> when the job is not scheduled or disabled.</summary>
    public DateTimeOffset? NextRun { get; init; }

    /// <summary>Gets the job's most recent run in the state store, or <see langword="null"/> if it never ran.</summary>
    public RunRecord? LastRun { get; init; }
}
