namespace BatchKit;

/// <summary>The event a completed run sends downstream (<see cref="IRunNotifier"/>).</summary>
/// <remarks>
/// <see cref="EventId"/> is derived from the RunKey and the run attempt that completed it (<c>{RunKey}:{Attempt}</c>): a
/// repeated delivery of the same completion carries the same id, and a reprocessed run (completed again) a new one.
/// </remarks>
public sealed record RunCompletedEvent
{
    /// <summary>Gets the id of this completion, <c>{RunKey}:{Attempt}</c>; also sent as the <c>Idempotency-Key</c> header by <see cref="WebhookNotifier"/>.</summary>
    public required string EventId { get; init; }

    /// <summary>Gets the job name.</summary>
    public required string JobName { get; init; }

    /// <summary>Gets the RunKey hash (<see cref="BatchKit.RunKey.Value"/>).</summary>
    public required string RunKey { get; init; }

    /// <summary>Gets the canonical text of the identifying run parameters.</summary>
    public required string Parameters { get; init; }

    /// <summary>Gets the run's status: <see cref="RunStatus.Completed"/>.</summary>
    public required RunStatus Status { get; init; }

    /// <summary>Gets the run attempt that completed the run (<see cref="RunRecord.Attempts"/> at its completion).</summary>
    public required int Attempt { get; init; }

    /// <summary>Gets the number of input records of the run, bad ones included.</summary>
    public long RecordsRead { get; init; }

    /// <summary>Gets the number of records written to the sink.</summary>
    public long RecordsWritten { get; init; }

    /// <summary>Gets the number of error records of the run.</summary>
    public long Errors { get; init; }

    /// <summary>Gets when the run completed (when the event was created).</summary>
    public required DateTimeOffset CompletedAt { get; init; }
}
