namespace BatchKit;

/// <summary>The outcome of <see cref="JobRunner.RunAsync(RunParameters, RunOptions?, CancellationToken)"/>.</summary>
public sealed record RunResult
{
    /// <summary>Gets the run.</summary>
    public required RunKey RunKey { get; init; }

    /// <summary>Gets the status the run ended with.</summary>
    public required RunStatus Status { get; init; }

    /// <summary>Gets a value indicating whether the run had already completed and nothing was done.</summary>
    public bool WasAlreadyCompleted { get; init; }

    /// <summary>Gets the number of partitions in the run's plan (extract partitions of shuffled jobs included).</summary>
    public int Partitions { get; init; }

    /// <summary>Gets the number of partitions processed by this call (the others had completed earlier).</summary>
    public int PartitionsProcessed { get; init; }

    /// <summary>
    /// Gets the number of partitions of a completed run that this call reconciled because their input changed, appeared or
    /// vanished after the run completed (<see cref="RunOptions.ReprocessChangedInput"/>): the changed and new ones were
    /// reprocessed, the vanished ones' output removed.
    /// </summary>
    public int PartitionsReconciled { get; init; }

    /// <summary>Gets the number of input records of the run, bad ones included.</summary>
    public long RecordsRead { get; init; }

    /// <summary>Gets the number of records written to the sink.</summary>
    public long RecordsWritten { get; init; }

    /// <summary>Gets the number of error records of the run.</summary>
    public long Errors { get; init; }

    /// <summary>
    /// Gets the number of records whose side effect is in doubt: neither written nor counted in <see cref="Errors"/>.
    /// When it is above zero the run ends <see cref="RunStatus.CompletedWithDoubts"/>, which says how to resolve them.
    /// </summary>
    public long InDoubt { get; init; }

    /// <summary>Gets the time this call took.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>Gets the failure that ended the run, for failed and timed-out runs.</summary>
    public Exception? Exception { get; init; }

    /// <summary>Gets the results of the job's SLA objectives (<see cref="JobBuilder{T}.WithSla"/>) at the end of this call.</summary>
    public IReadOnlyList<SlaResult> SlaResults { get; init; } = [];

    /// <summary>
    /// Gets a value indicating whether the run's completion notification (<see cref="JobBuilder{T}.OnCompleted(IRunNotifier)"/>)
    /// could not be delivered by this call: it stays pending in the checkpoint store, and the next run of the same RunKey
    /// delivers it. The run is completed all the same.
    /// </summary>
    public bool NotificationPending { get; init; }

    /// <summary>Gets a value indicating whether the run completed (now or earlier) with no side effect in doubt.</summary>
    public bool Succeeded => Status == RunStatus.Completed;

    /// <summary>Throws the failure of a run that did not complete.</summary>
    /// <returns>This result, so calls can be chained.</returns>
    /// <exception cref="BatchKitException">The run did not complete.</exception>
    public RunResult EnsureSucceeded() => Succeeded
        ? this
        : throw new BatchKitException($"The run {RunKey} ended {Status}: {Exception?.Message}", Exception) { JobName = RunKey.JobName };
}
