namespace BatchKit;

/// <content>
/// Run history: one record per run attempt and per partition attempt, with the SLA results of each run attempt. These
/// members have default implementations that record nothing and return nothing, so a store that predates them keeps
/// working; <see cref="RunHistory"/> then falls back to the run, partition states and checkpoints.
/// </content>
public partial interface ICheckpointStore
{
    /// <summary>Gets a value indicating whether the store keeps run and partition attempt records.</summary>
    /// <value>The default implementation returns <see langword="false"/>.</value>
    bool RecordsHistory => false;

    /// <summary>
    /// Records a run attempt, or updates the record of the same attempt (same <see cref="RunAttempt.RunKey"/> and
    /// <see cref="RunAttempt.Owner"/>): written once when the attempt starts and again when it ends, with its SLA results.
    /// </summary>
    /// <param name="attempt">The attempt.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the record is durable.</returns>
    /// <remarks>
    /// Attempt records are facts about what a process did, not state that decides anything: they are not fenced, so the
    /// record of an attempt whose lease was taken over is kept too (its <see cref="RunAttempt.Epoch"/> tells). The default
    /// implementation does nothing.
    /// </remarks>
    ValueTask RecordRunAttemptAsync(RunAttempt attempt, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>
    /// Records a partition attempt, or updates the record of the same attempt (same run, partition, owner and attempt
    /// number): written when the attempt starts and again when it ends.
    /// </summary>
    /// <param name="attempt">The attempt.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the record is durable.</returns>
    /// <remarks>Not fenced, like <see cref="RecordRunAttemptAsync"/>. The default implementation does nothing.</remarks>
    ValueTask RecordPartitionAttemptAsync(PartitionAttempt attempt, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>Lists the recorded attempts of a run, oldest first, each with its SLA results.</summary>
    /// <param name="runKey">The RunKey hash.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The attempts; the default implementation returns none.</returns>
    ValueTask<IReadOnlyList<RunAttempt>> ListRunAttemptsAsync(string runKey, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<RunAttempt>>([]);

    /// <summary>Lists the recorded partition attempts of a run, by partition and start time.</summary>
    /// <param name="runKey">The RunKey hash.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The attempts; the default implementation returns none.</returns>
    ValueTask<IReadOnlyList<PartitionAttempt>> ListPartitionAttemptsAsync(string runKey, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<PartitionAttempt>>([]);
}
