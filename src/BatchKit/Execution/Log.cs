using Microsoft.Extensions.Logging;

namespace BatchKit;

/// <summary>The event ids of BatchKit's log messages: 1000s job, 2000s step and partition, 3000s checkpoint and lease.</summary>
public static partial class BatchKitEventId
{
    /// <summary>A run started.</summary>
    public const int RunStarted = 1000;

    /// <summary>A run ended.</summary>
    public const int RunEnded = 1001;

    /// <summary>A run was already completed; nothing was done.</summary>
    public const int RunAlreadyCompleted = 1002;

    /// <summary>A run completed, but side effects of some of its records are in doubt.</summary>
    public const int RunCompletedWithDoubts = 1003;

    /// <summary>A run attempt ended failed or timed out (logged at Error with the failure, after <see cref="RunEnded"/>).</summary>
    public const int RunFailed = 1004;

    /// <summary>The receiver of a run's progress (<see cref="RunOptions.Progress"/>) threw; it gets no more reports from this call, and the run goes on.</summary>
    public const int ProgressReportFailed = 1008;
    /// <summary>A worker saw the run's cancellation request and stops at its next chunk boundary.</summary>
    public const int RunCancelRequested = 1005;

    /// <summary>A run cancelled by a request was joined and left cancelled (it is resumed only when asked to).</summary>
    public const int RunStaysCancelled = 1006;

    /// <summary>A run cancelled by a request was resumed and its request cleared.</summary>
    public const int RunCancelCleared = 1007;

    /// <summary>A completed run's input changed since it completed (late-arriving data): the changed partitions are reprocessed.</summary>
    public const int LateInputReconciled = 1009;

    /// <summary>A run's completion notification was delivered (<see cref="IRunNotifier"/>).</summary>
    public const int NotificationDelivered = 1200;

    /// <summary>A run's completion notification failed; it stays pending and the next run of the same RunKey delivers it.</summary>
    public const int NotificationFailed = 1201;

    /// <summary>A partition attempt started.</summary>
    public const int PartitionStarted = 2000;

    /// <summary>A partition completed.</summary>
    public const int PartitionCompleted = 2001;

    /// <summary>A partition attempt failed.</summary>
    public const int PartitionFailed = 2002;

    /// <summary>A source or sink call is retried.</summary>
    public const int Retrying = 2003;

    /// <summary>A completed extract partition's staging files are missing; the partition is run again.</summary>
    public const int StagingMissing = 2004;

    /// <summary>The side effect of a record is in doubt; the record was not passed on.</summary>
    public const int EffectInDoubt = 2005;

    /// <summary>A failed partition attempt is retried after a delay, under the same partition lease.</summary>
    public const int PartitionRetrying = 2006;

    /// <summary>Bad records of a chunk were skipped and sent to the error store (their count, at Debug; never their payload).</summary>
    public const int RecordsSkipped = 2007;

    /// <summary>The run lease (held while planning or finalizing) was lost to another worker.</summary>
    public const int LeaseLost = 3000;

    /// <summary>The run lease is held by another process; the runner waits for it to be released or to expire.</summary>
    public const int LeaseWaiting = 3001;

    /// <summary>The run lease was held by a process of this host that is gone, and was taken over before it expired.</summary>
    public const int LeaseTakenOver = 3002;

    /// <summary>A lease renewal failed and is retried within the lease's remaining time.</summary>
    public const int LeaseRenewalFailed = 3003;

    /// <summary>A partition lease was lost to another worker; the partition stopped here without writing.</summary>
    public const int PartitionLeaseLost = 3004;

    /// <summary>A partition whose lease expired, or whose holder is gone, was taken over with the next epoch.</summary>
    public const int PartitionTakenOver = 3005;
}

internal static partial class Log
{
    [LoggerMessage(EventId = BatchKitEventId.LateInputReconciled, EventName = nameof(BatchKitEventId.LateInputReconciled), Level = LogLevel.Information, Message = "Job {JobName} run {RunKey} completed earlier and its input changed since: {Changed} changed, {Appeared} new and {Vanished} vanished partition(s) are reconciled ({Details})")]
    public static partial void LateInputReconciled(ILogger logger, string jobName, RunKey runKey, int changed, int appeared, int vanished, string details);

    [LoggerMessage(EventId = BatchKitEventId.RunStarted, EventName = nameof(BatchKitEventId.RunStarted), Level = LogLevel.Information, Message = "Job {JobName} run {RunKey} started: {Partitions} partitions, {Pending} to process, lease epoch {Epoch}")]
    public static partial void RunStarted(ILogger logger, string jobName, RunKey runKey, int partitions, int pending, long epoch);

    [LoggerMessage(EventId = BatchKitEventId.RunEnded, EventName = nameof(BatchKitEventId.RunEnded), Level = LogLevel.Information, Message = "Job {JobName} run {RunKey} ended {Status}: {RecordsRead} read, {RecordsWritten} written, {Errors} errors in {Elapsed}")]
    public static partial void RunEnded(ILogger logger, string jobName, RunKey runKey, RunStatus status, long recordsRead, long recordsWritten, long errors, TimeSpan elapsed);

    [LoggerMessage(EventId = BatchKitEventId.RunAlreadyCompleted, EventName = nameof(BatchKitEventId.RunAlreadyCompleted), Level = LogLevel.Information, Message = "Job {JobName} run {RunKey} already completed; nothing to do")]
    public static partial void RunAlreadyCompleted(ILogger logger, string jobName, RunKey runKey);

    [LoggerMessage(EventId = BatchKitEventId.PartitionStarted, EventName = nameof(BatchKitEventId.PartitionStarted), Level = LogLevel.Debug, Message = "Job {JobName} partition {PartitionId} attempt {Attempt} started")]
    public static partial void PartitionStarted(ILogger logger, string jobName, string partitionId, int attempt);

    [LoggerMessage(EventId = BatchKitEventId.PartitionCompleted, EventName = nameof(BatchKitEventId.PartitionCompleted), Level = LogLevel.Debug, Message = "Job {JobName} partition {PartitionId} completed: {RecordsRead} read, {RecordsWritten} written, {Errors} errors")]
    public static partial void PartitionCompleted(ILogger logger, string jobName, string partitionId, long recordsRead, long recordsWritten, long errors);

    [LoggerMessage(EventId = BatchKitEventId.PartitionFailed, EventName = nameof(BatchKitEventId.PartitionFailed), Level = LogLevel.Error, Message = "Job {JobName} partition {PartitionId} attempt {Attempt} of {MaxAttempts} failed")]
    public static partial void PartitionFailed(ILogger logger, Exception exception, string jobName, string partitionId, int attempt, int maxAttempts);

    [LoggerMessage(EventId = BatchKitEventId.Retrying, EventName = nameof(BatchKitEventId.Retrying), Level = LogLevel.Warning, Message = "Job {JobName} {Operation} failed; retry {Retry} in {Delay}")]
    public static partial void Retrying(ILogger logger, Exception? exception, string jobName, string operation, int retry, TimeSpan delay);

    [LoggerMessage(EventId = BatchKitEventId.RunCompletedWithDoubts, EventName = nameof(BatchKitEventId.RunCompletedWithDoubts), Level = LogLevel.Warning, Message = "Job {JobName} run {RunKey} completed with {InDoubt} records whose side effects are in doubt; check them downstream, resolve them with ResolveInDoubtEffectAsync, and run again")]
    public static partial void RunCompletedWithDoubts(ILogger logger, string jobName, RunKey runKey, long inDoubt);

    [LoggerMessage(EventId = BatchKitEventId.EffectInDoubt, EventName = nameof(BatchKitEventId.EffectInDoubt), Level = LogLevel.Warning, Message = "Job {JobName} step {StepName} partition {PartitionId}: the side effect of record {Ordinal} (idempotency key {IdempotencyKey}) is in doubt; the record is not passed on")]
    public static partial void EffectInDoubt(ILogger logger, Exception? exception, string jobName, string stepName, string partitionId, long ordinal, string idempotencyKey);

    [LoggerMessage(EventId = BatchKitEventId.LeaseLost, EventName = nameof(BatchKitEventId.LeaseLost), Level = LogLevel.Error, Message = "Job {JobName} run {RunKey} lost its lease to another process; stopping without committing more")]
    public static partial void LeaseLost(ILogger logger, string jobName, RunKey runKey);

    [LoggerMessage(EventId = BatchKitEventId.LeaseWaiting, EventName = nameof(BatchKitEventId.LeaseWaiting), Level = LogLevel.Information, Message = "Job {JobName} run {RunKey} is held by {Owner} until {ExpiresAt}; waiting until {Deadline} for it to be released or to expire")]
    public static partial void LeaseWaiting(ILogger logger, string jobName, RunKey runKey, string owner, DateTimeOffset? expiresAt, DateTimeOffset deadline);

    [LoggerMessage(EventId = BatchKitEventId.LeaseTakenOver, EventName = nameof(BatchKitEventId.LeaseTakenOver), Level = LogLevel.Warning, Message = "Job {JobName} run {RunKey} was held by {Owner} until {ExpiresAt}, a process of this host that is gone; taking over its lease now")]
    public static partial void LeaseTakenOver(ILogger logger, string jobName, RunKey runKey, string owner, DateTimeOffset? expiresAt);

    [LoggerMessage(EventId = BatchKitEventId.StagingMissing, EventName = nameof(BatchKitEventId.StagingMissing), Level = LogLevel.Warning, Message = "Job {JobName} partition {PartitionId} published {Expected} staging files but {Present} are left; the extract partition runs again")]
    public static partial void StagingMissing(ILogger logger, string jobName, string partitionId, long expected, int present);

    [LoggerMessage(EventId = BatchKitEventId.LeaseRenewalFailed, EventName = nameof(BatchKitEventId.LeaseRenewalFailed), Level = LogLevel.Warning, Message = "Job {JobName} run {RunKey} failed to renew its lease (try {Try}); retrying while the lease lasts")]
    public static partial void LeaseRenewalFailed(ILogger logger, Exception? exception, string jobName, string runKey, int @try);

    [LoggerMessage(EventId = BatchKitEventId.PartitionLeaseLost, EventName = nameof(BatchKitEventId.PartitionLeaseLost), Level = LogLevel.Warning, Message = "Job {JobName} partition {PartitionId} lost its lease at epoch {Epoch} to another worker; it stopped here without writing, and the worker that took it over finishes it")]
    public static partial void PartitionLeaseLost(ILogger logger, Exception? exception, string jobName, string partitionId, long epoch);

    [LoggerMessage(EventId = BatchKitEventId.PartitionTakenOver, EventName = nameof(BatchKitEventId.PartitionTakenOver), Level = LogLevel.Warning, Message = "Job {JobName} partition {PartitionId} was held by {Owner}, whose lease expired or whose process is gone; taken over at epoch {Epoch}")]
    public static partial void PartitionTakenOver(ILogger logger, string jobName, string partitionId, string owner, long epoch);

    [LoggerMessage(EventId = BatchKitEventId.RunFailed, EventName = nameof(BatchKitEventId.RunFailed), Level = LogLevel.Error, Message = "Job {JobName} run {RunKey} ended {Status}")]
    public static partial void RunFailed(ILogger logger, Exception? exception, string jobName, RunKey runKey, RunStatus status);

    [LoggerMessage(EventId = BatchKitEventId.PartitionRetrying, EventName = nameof(BatchKitEventId.PartitionRetrying), Level = LogLevel.Warning, Message = "Job {JobName} partition {PartitionId} attempt {Attempt} failed; attempt {NextAttempt} in {Delay}")]
    public static partial void PartitionRetrying(ILogger logger, string jobName, string partitionId, int attempt, int nextAttempt, TimeSpan delay);

    [LoggerMessage(EventId = BatchKitEventId.RecordsSkipped, EventName = nameof(BatchKitEventId.RecordsSkipped), Level = LogLevel.Debug, Message = "Job {JobName} partition {PartitionId}: {Skipped} bad record(s) of the chunk from record {FirstOrdinal} skipped to the error store")]
    public static partial void RecordsSkipped(ILogger logger, string jobName, string partitionId, long skipped, long firstOrdinal);

    [LoggerMessage(EventId = BatchKitEventId.NotificationDelivered, EventName = nameof(BatchKitEventId.NotificationDelivered), Level = LogLevel.Information, Message = "Job {JobName} run {RunKey}: completion notification {EventId} delivered")]
    public static partial void NotificationDelivered(ILogger logger, string jobName, RunKey runKey, string eventId);

    [LoggerMessage(EventId = BatchKitEventId.NotificationFailed, EventName = nameof(BatchKitEventId.NotificationFailed), Level = LogLevel.Warning, Message = "Job {JobName} run {RunKey}: completion notification {EventId} failed; it stays pending and the next run of this RunKey delivers it")]
    public static partial void NotificationFailed(ILogger logger, Exception exception, string jobName, RunKey runKey, string eventId);

    [LoggerMessage(EventId = BatchKitEventId.ProgressReportFailed, EventName = nameof(BatchKitEventId.ProgressReportFailed), Level = LogLevel.Warning, Message = "Job {JobName} run {RunKey}: the progress receiver threw; it gets no more reports from this call, and the run goes on")]
    public static partial void ProgressReportFailed(ILogger logger, Exception exception, string jobName, RunKey runKey);
    [LoggerMessage(EventId = BatchKitEventId.RunCancelRequested, EventName = nameof(BatchKitEventId.RunCancelRequested), Level = LogLevel.Information, Message = "Job {JobName} run {RunKey} was cancelled by {RequestedBy}; this worker claims no more partitions and stops the running ones at their next chunk boundary")]
    public static partial void RunCancelRequested(ILogger logger, string jobName, RunKey runKey, string? requestedBy);

    [LoggerMessage(EventId = BatchKitEventId.RunStaysCancelled, EventName = nameof(BatchKitEventId.RunStaysCancelled), Level = LogLevel.Information, Message = "Job {JobName} run {RunKey} was cancelled by {RequestedBy}; nothing was done (resume it with RunOptions.ResumeCancelled)")]
    public static partial void RunStaysCancelled(ILogger logger, string jobName, RunKey runKey, string? requestedBy);

    [LoggerMessage(EventId = BatchKitEventId.RunCancelCleared, EventName = nameof(BatchKitEventId.RunCancelCleared), Level = LogLevel.Information, Message = "Job {JobName} run {RunKey}: the cancellation by {RequestedBy} was cleared; the run resumes from its checkpoints")]
    public static partial void RunCancelCleared(ILogger logger, string jobName, RunKey runKey, string? requestedBy);
}
