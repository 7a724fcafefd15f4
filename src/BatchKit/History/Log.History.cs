using Microsoft.Extensions.Logging;

namespace BatchKit;

/// <content>The event ids of run history and SLAs: 1100s.</content>
public static partial class BatchKitEventId
{
    /// <summary>An SLA objective of a run was missed (the default alert sink's event).</summary>
    public const int SlaMissed = 1100;

    /// <summary>An SLA objective configured as a gate was missed; the run fails.</summary>
    public const int SlaGateFailed = 1101;

    /// <summary>A run or partition attempt record could not be written to the store's history; the run goes on.</summary>
    public const int HistoryWriteFailed = 1102;

    /// <summary>An alert sink failed to raise an alert; the run's outcome is unchanged.</summary>
    public const int AlertFailed = 1103;

    /// <summary>An SLA objective could not be evaluated (its count or time query failed); it counts as missed.</summary>
    public const int SlaEvaluationFailed = 1104;
}

/// <content>Log messages of run history and SLAs.</content>
internal static partial class Log
{
    [LoggerMessage(EventId = BatchKitEventId.SlaMissed, EventName = nameof(BatchKitEventId.SlaMissed), Level = LogLevel.Warning, Message = "Job {JobName} run {RunKey} missed its SLA objective {Objective}: {Detail}")]
    public static partial void SlaMissed(ILogger logger, string jobName, RunKey runKey, string objective, string detail);

    [LoggerMessage(EventId = BatchKitEventId.SlaGateFailed, EventName = nameof(BatchKitEventId.SlaGateFailed), Level = LogLevel.Error, Message = "Job {JobName} run {RunKey} missed the SLA gate(s) {Objectives}; the run is not published nor completed")]
    public static partial void SlaGateFailed(ILogger logger, string jobName, RunKey runKey, string objectives);

    [LoggerMessage(EventId = BatchKitEventId.HistoryWriteFailed, EventName = nameof(BatchKitEventId.HistoryWriteFailed), Level = LogLevel.Warning, Message = "Job {JobName} run {RunKey}: the {What} record could not be written to the history; the run goes on")]
    public static partial void HistoryWriteFailed(ILogger logger, Exception exception, string jobName, RunKey runKey, string what);

    [LoggerMessage(EventId = BatchKitEventId.AlertFailed, EventName = nameof(BatchKitEventId.AlertFailed), Level = LogLevel.Warning, Message = "Job {JobName} run {RunKey}: the alert sink failed to raise the alert of {Objective}")]
    public static partial void AlertFailed(ILogger logger, Exception exception, string jobName, RunKey runKey, string objective);

    [LoggerMessage(EventId = BatchKitEventId.SlaEvaluationFailed, EventName = nameof(BatchKitEventId.SlaEvaluationFailed), Level = LogLevel.Warning, Message = "Job {JobName} run {RunKey}: the SLA objective {Objective} could not be evaluated; it counts as missed")]
    public static partial void SlaEvaluationFailed(ILogger logger, Exception exception, string jobName, RunKey runKey, string objective);
}
