namespace BatchKit.Hosting;

/// <summary>The event ids of BatchKit.Hosting's log messages (category <c>BatchKit.Hosting</c>): 11000s.</summary>
public static class BatchKitHostingEventId
{
    /// <summary>The scheduler started with its jobs.</summary>
    public const int SchedulerStarted = 11000;

    /// <summary>A job's occurrence fell due and is being run.</summary>
    public const int OccurrenceStarting = 11001;

    /// <summary>A job's occurrence ended.</summary>
    public const int OccurrenceEnded = 11002;

    /// <summary>A job's occurrence was claimed by another host (or an earlier start); this host skips it.</summary>
    public const int OccurrenceClaimedElsewhere = 11003;

    /// <summary>Occurrences were missed while no host ran and are skipped under the misfire policy.</summary>
    public const int MisfiresSkipped = 11004;

    /// <summary>A run of the last claimed occurrence was interrupted (host stopped or killed) and is resumed.</summary>
    public const int ResumingInterrupted = 11005;

    /// <summary>A run could not start: another process holds its lease.</summary>
    public const int RunHeldElsewhere = 11006;

    /// <summary>A scheduled run failed with an exception.</summary>
    public const int OccurrenceFailed = 11007;

    /// <summary>A scheduled run was stopped by the host's shutdown at a chunk boundary; it resumes at the next start.</summary>
    public const int OccurrenceStoppedByShutdown = 11008;

    /// <summary>A completed run of an earlier occurrence within the reconciliation window had late-arriving data; its changed partitions were reprocessed.</summary>
    public const int LateDataReconciled = 11009;

    /// <summary>Reconciling the run of an earlier occurrence within the reconciliation window failed.</summary>
    public const int ReconcileFailed = 11010;

    /// <summary>
    /// A scheduled run was cancelled by a person (<see cref="RunMaintenance.CancelRunAsync"/>, <c>batchkit cancel</c>, the
    /// dashboard): the occurrence is recorded as cancelled and not run again by the schedule; resume it by hand with
    /// <see cref="RunOptions.ResumeCancelled"/>.
    /// </summary>
    public const int OccurrenceCancelled = 1020;
}
