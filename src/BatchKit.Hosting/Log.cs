using Microsoft.Extensions.Logging;

namespace BatchKit.Hosting;

internal static partial class Log
{
    [LoggerMessage(EventId = BatchKitHostingEventId.SchedulerStarted, EventName = nameof(BatchKitHostingEventId.SchedulerStarted), Level = LogLevel.Information, Message = "BatchKit scheduler started: {Scheduled} scheduled job(s) of {Registered}, at most {MaxConcurrentJobs} at once")]
    public static partial void SchedulerStarted(ILogger logger, int scheduled, int registered, int maxConcurrentJobs);

    [LoggerMessage(EventId = BatchKitHostingEventId.OccurrenceStarting, EventName = nameof(BatchKitHostingEventId.OccurrenceStarting), Level = LogLevel.Information, Message = "Job {JobName} occurrence {Occurrence} starting run {RunKey}")]
    public static partial void OccurrenceStarting(ILogger logger, string jobName, DateTimeOffset occurrence, RunKey runKey);

    [LoggerMessage(EventId = BatchKitHostingEventId.OccurrenceEnded, EventName = nameof(BatchKitHostingEventId.OccurrenceEnded), Level = LogLevel.Information, Message = "Job {JobName} occurrence {Occurrence} run {RunKey} ended {Status} (already completed: {AlreadyCompleted})")]
    public static partial void OccurrenceEnded(ILogger logger, string jobName, DateTimeOffset occurrence, RunKey runKey, RunStatus status, bool alreadyCompleted);

    [LoggerMessage(EventId = BatchKitHostingEventId.OccurrenceClaimedElsewhere, EventName = nameof(BatchKitHostingEventId.OccurrenceClaimedElsewhere), Level = LogLevel.Debug, Message = "Job {JobName} occurrence {Occurrence} was claimed by another host; skipping it")]
    public static partial void OccurrenceClaimedElsewhere(ILogger logger, string jobName, DateTimeOffset occurrence);

    [LoggerMessage(EventId = BatchKitHostingEventId.MisfiresSkipped, EventName = nameof(BatchKitHostingEventId.MisfiresSkipped), Level = LogLevel.Warning, Message = "Job {JobName}: {Count} occurrence(s) from {First} to {Last} were missed while no host ran and are skipped ({Policy})")]
    public static partial void MisfiresSkipped(ILogger logger, string jobName, int count, DateTimeOffset first, DateTimeOffset last, MisfirePolicy policy);

    [LoggerMessage(EventId = BatchKitHostingEventId.ResumingInterrupted, EventName = nameof(BatchKitHostingEventId.ResumingInterrupted), Level = LogLevel.Information, Message = "Job {JobName} occurrence {Occurrence}: run {RunKey} was interrupted ({Status}); resuming it")]
    public static partial void ResumingInterrupted(ILogger logger, string jobName, DateTimeOffset occurrence, RunKey runKey, RunStatus status);

    [LoggerMessage(EventId = BatchKitHostingEventId.RunHeldElsewhere, EventName = nameof(BatchKitHostingEventId.RunHeldElsewhere), Level = LogLevel.Warning, Message = "Job {JobName} occurrence {Occurrence}: another process runs {RunKey}; this host leaves it to that process")]
    public static partial void RunHeldElsewhere(ILogger logger, Exception exception, string jobName, DateTimeOffset occurrence, RunKey runKey);

    [LoggerMessage(EventId = BatchKitHostingEventId.OccurrenceFailed, EventName = nameof(BatchKitHostingEventId.OccurrenceFailed), Level = LogLevel.Error, Message = "Job {JobName} occurrence {Occurrence} run {RunKey} failed")]
    public static partial void OccurrenceFailed(ILogger logger, Exception exception, string jobName, DateTimeOffset occurrence, RunKey runKey);

    [LoggerMessage(EventId = BatchKitHostingEventId.OccurrenceStoppedByShutdown, EventName = nameof(BatchKitHostingEventId.OccurrenceStoppedByShutdown), Level = LogLevel.Information, Message = "Job {JobName} occurrence {Occurrence} run {RunKey} stopped at a chunk boundary for the host's shutdown; it resumes at the next start")]
    public static partial void OccurrenceStoppedByShutdown(ILogger logger, string jobName, DateTimeOffset occurrence, RunKey runKey);

    [LoggerMessage(EventId = BatchKitHostingEventId.LateDataReconciled, EventName = nameof(BatchKitHostingEventId.LateDataReconciled), Level = LogLevel.Information, Message = "Job {JobName} occurrence {Occurrence}: run {RunKey} of an earlier occurrence had late data; {Reconciled} partition(s) reconciled, ended {Status}")]
    public static partial void LateDataReconciled(ILogger logger, string jobName, DateTimeOffset occurrence, RunKey runKey, int reconciled, RunStatus status);

    [LoggerMessage(EventId = BatchKitHostingEventId.ReconcileFailed, EventName = nameof(BatchKitHostingEventId.ReconcileFailed), Level = LogLevel.Error, Message = "Job {JobName} occurrence {Occurrence}: reconciling run {RunKey} of an earlier occurrence failed")]
    public static partial void ReconcileFailed(ILogger logger, Exception exception, string jobName, DateTimeOffset occurrence, RunKey runKey);

    [LoggerMessage(EventId = BatchKitHostingEventId.OccurrenceCancelled, EventName = nameof(BatchKitHostingEventId.OccurrenceCancelled), Level = LogLevel.Information, Message = "Job {JobName} occurrence {Occurrence} run {RunKey} was cancelled by {RequestedBy}; the schedule does not run it again (resume it with RunOptions.ResumeCancelled) and goes on with the next occurrence")]
    public static partial void OccurrenceCancelled(ILogger logger, string jobName, DateTimeOffset occurrence, RunKey runKey, string requestedBy);
}
