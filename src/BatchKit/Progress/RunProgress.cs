namespace BatchKit;

/// <summary>
/// A snapshot of a run as one worker sees it while it runs (<see cref="RunOptions.Progress"/>): its status, how long
/// this call has run, and the progress of every partition of its plan. It holds counts only, never a record's payload.
/// </summary>
/// <remarks>
/// The run's counts are summed from <see cref="Partitions"/> the way <see cref="RunResult"/> counts them: in a shuffled
/// job the records read are those of the extract partitions (the input, read once) and the records written those of
/// the target partitions. The final snapshot (<see cref="IsFinal"/>) is taken from the same checkpoints as the
/// <see cref="RunResult"/> of the call, so its counts equal the result's.
/// </remarks>
public sealed record RunProgress
{
    /// <summary>Gets the run.</summary>
    public required RunKey RunKey { get; init; }

    /// <summary>Gets the run's status: <see cref="RunStatus.Running"/> until the final snapshot, which has the status the call ended with.</summary>
    public required RunStatus Status { get; init; }

    /// <summary>Gets a value indicating whether this is the last snapshot of the call: the run is settled for this worker, or the call stopped.</summary>
    public bool IsFinal { get; init; }

    /// <summary>Gets the time since this call started.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>Gets the progress of every partition of the plan, in plan order (empty before the run is planned).</summary>
    public IReadOnlyList<PartitionProgress> Partitions { get; init; } = [];

    /// <summary>Gets the number of input records of the run read so far, bad ones included.</summary>
    public long RecordsRead { get; init; }

    /// <summary>Gets the number of records written to the sink so far.</summary>
    public long RecordsWritten { get; init; }

    /// <summary>Gets the number of error records so far.</summary>
    public long Errors { get; init; }

    /// <summary>Gets the number of records whose side effect is in doubt so far.</summary>
    public long InDoubt { get; init; }

    /// <summary>Gets the number of completed partitions.</summary>
    public int CompletedPartitions { get; init; }

    /// <summary>Gets the number of failed partitions.</summary>
    public int FailedPartitions { get; init; }

    /// <summary>Gets the number of partitions running (on this worker or another).</summary>
    public int RunningPartitions { get; init; }
}
