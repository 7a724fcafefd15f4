namespace BatchKit;

/// <summary>What the runner does with an exception it meets.</summary>
internal enum FailureAction
{
    /// <summary>The partition fails this attempt; another attempt may succeed (within <see cref="JobOptions.MaxPartitionAttempts"/>).</summary>
    RetryPartition,

    /// <summary>The partition fails for good: a failure that can never succeed. The worker claims no more partitions.</summary>
    FailPartition,

    /// <summary>The lease was taken over by another worker: stop, write nothing more, record nothing as failed.</summary>
    LeaseLost,

    /// <summary>The caller (or the worker) cancelled: propagates untouched, never retried nor logged as a failure.</summary>
    Cancelled,
}

/// <summary>
/// The one place that decides what an exception means to the runner: retry the partition, fail it permanently, lease
/// lost, or cancelled; and the status of a run whose partitions failed. The runner's <c>catch … when</c> filters that
/// remain tell apart cancellations by whose token was cancelled; every other decision is made here.
/// </summary>
internal static class FailureClassifier
{
    /// <summary>
    /// Classifies <paramref name="exception"/>. An <see cref="OperationCanceledException"/> is a cancellation when
    /// <paramref name="attemptToken"/> is cancelled (or cannot be); raised while the attempt's token is not cancelled, it
    /// came from a source, step or sink of its own accord (an HttpClient timeout) and is a failure like any other.
    /// </summary>
    /// <param name="exception">The exception met.</param>
    /// <param name="attemptToken">The token of the work that raised it.</param>
    public static FailureAction Classify(Exception exception, CancellationToken attemptToken = default) => exception switch
    {
        LeaseLostException => FailureAction.LeaseLost,
        OperationCanceledException when !attemptToken.CanBeCanceled || attemptToken.IsCancellationRequested => FailureAction.Cancelled,
        _ => ClassifyFailure(exception),
    };

    /// <summary>Classifies the failure of an attempt (neither a lost lease nor a cancellation): retried or failed for good.</summary>
    /// <param name="failure">The failure an attempt returned.</param>
    public static FailureAction ClassifyFailure(Exception failure) => failure switch
    {
        BatchKitException bk => bk.IsTransient ? FailureAction.RetryPartition : FailureAction.FailPartition,
        InvalidDataException or FormatException or NotSupportedException => FailureAction.FailPartition,
        _ => FailureAction.RetryPartition,
    };

    /// <summary>
    /// Tells whether another attempt of a failed partition may succeed: not for a non-transient
    /// <see cref="BatchKitException"/> (a schema mismatch, an invalid definition, an exceeded error rate), nor for
    /// invalid data or an unsupported type (<see cref="InvalidDataException"/>, <see cref="FormatException"/>,
    /// <see cref="NotSupportedException"/>).
    /// </summary>
    /// <param name="failure">The failure an attempt returned.</param>
    public static bool IsRetryable(Exception failure) => ClassifyFailure(failure) == FailureAction.RetryPartition;

    /// <summary>Tells whether a failure ends the attempt as a failure (retried or not), rather than a lost lease or a cancellation.</summary>
    /// <param name="exception">The exception met.</param>
    /// <param name="attemptToken">The token of the attempt that raised it.</param>
    public static bool IsPartitionFailure(Exception exception, CancellationToken attemptToken) =>
        Classify(exception, attemptToken) is FailureAction.RetryPartition or FailureAction.FailPartition;

    /// <summary>Tells whether an exception that escaped an attempt ends this worker's hold on the partition: lease lost or cancelled.</summary>
    /// <param name="exception">The exception met.</param>
    public static bool EndsHold(Exception exception) =>
        Classify(exception) is FailureAction.LeaseLost or FailureAction.Cancelled;

    /// <summary>
    /// The status of a run whose partitions failed for good: <see cref="RunStatus.TimedOut"/> when every failure was a
    /// partition timeout (<see cref="PartitionTimeoutException"/>), <see cref="RunStatus.Failed"/> otherwise.
    /// </summary>
    /// <param name="failed">The stored states of the failed partitions.</param>
    public static RunStatus RunStatusOf(IEnumerable<PartitionState> failed) =>
        failed.All(IsTimeout) ? RunStatus.TimedOut : RunStatus.Failed;

    private static bool IsTimeout(PartitionState state) =>
        state.LastError?.StartsWith(nameof(PartitionTimeoutException) + ":", StringComparison.Ordinal) == true;
}
