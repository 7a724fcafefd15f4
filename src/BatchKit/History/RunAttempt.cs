namespace BatchKit;

/// <summary>One attempt of a run: one call of <see cref="JobRunner.RunAsync(RunParameters, RunOptions?, CancellationToken)"/> that took the run's lease.</summary>
/// <param name="RunKey">The RunKey hash.</param>
/// <param name="Owner">The process that ran it (<c>host/pid/processStart/random</c>), unique per attempt.</param>
/// <param name="Attempt">The run's attempt number (1 for the first).</param>
/// <param name="Epoch">The lease epoch the attempt held.</param>
/// <param name="StartedAt">When the attempt took the lease.</param>
/// <param name="EndedAt">When it ended; <see langword="null"/> while it runs, or when its process stopped before it could record its end.</param>
/// <param name="Status">The status it ended with (<see cref="RunStatus.Running"/> until then).</param>
public sealed record RunAttempt(
    string RunKey,
    string Owner,
    int Attempt,
    long Epoch,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    RunStatus Status)
{
    /// <summary>Gets the number of partitions in the run's plan.</summary>
    public int Partitions { get; init; }

    /// <summary>Gets the number of partitions this attempt processed.</summary>
    public int PartitionsProcessed { get; init; }

    /// <summary>Gets the run's records read when the attempt ended (earlier attempts included).</summary>
    public long RecordsRead { get; init; }

    /// <summary>Gets the run's records written when the attempt ended.</summary>
    public long RecordsWritten { get; init; }

    /// <summary>Gets the run's error records when the attempt ended.</summary>
    public long Errors { get; init; }

    /// <summary>Gets the run's records in doubt when the attempt ended.</summary>
    public long InDoubt { get; init; }

    /// <summary>
    /// Gets the number of partitions this attempt reconciled: partitions of a completed run whose input changed, appeared
    /// or vanished after it completed (late-arriving data, <see cref="RunOptions.ReprocessChangedInput"/>), reprocessed or removed.
    /// </summary>
    public int PartitionsReconciled { get; init; }

    /// <summary>Gets the error that ended the attempt, if any.</summary>
    public string? Error { get; init; }

    /// <summary>Gets the SLA results evaluated at the attempt's end.</summary>
    public IReadOnlyList<SlaResult> SlaResults { get; init; } = [];

    /// <summary>Gets how long the attempt took, or <see langword="null"/> when its end was not recorded.</summary>
    public TimeSpan? Duration => EndedAt - StartedAt;
}
