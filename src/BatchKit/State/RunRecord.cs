namespace BatchKit;

/// <summary>A run as stored in the checkpoint store.</summary>
/// <param name="RunKey">The RunKey hash (<see cref="BatchKit.RunKey.Value"/>).</param>
/// <param name="JobName">The job name.</param>
/// <param name="Parameters">The canonical text of the run parameters.</param>
/// <param name="Status">The status.</param>
/// <param name="StartedAt">When the run was first started.</param>
/// <param name="EndedAt">When the run last ended, if it has.</param>
/// <param name="Attempts">How many times a worker joined the run to process it: each run of the job, each retry, and each worker of a fleet counts once; a run that finds the RunKey already completed does not count.</param>
/// <param name="LastError">The error that ended the last attempt, if any.</param>
/// <param name="LeaseOwner">The worker holding the run lease (the short claim to plan or finalize), if any.</param>
/// <param name="LeaseEpoch">The lease epoch, increased at every takeover.</param>
/// <param name="LeaseExpiresAt">When the current lease expires unless renewed.</param>
public sealed record RunRecord(
    string RunKey,
    string JobName,
    string Parameters,
    RunStatus Status,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    int Attempts,
    string? LastError,
    string? LeaseOwner,
    long LeaseEpoch,
    DateTimeOffset? LeaseExpiresAt)
{
    /// <summary>
    /// Gets when a person asked for the run to be cancelled (<see cref="RunMaintenance.CancelRunAsync"/>), or
    /// <see langword="null"/> when no request is pending. While it is set, no partition of the run is claimed, every
    /// worker stops at its next chunk boundary, and a join returns <see cref="RunStatus.Cancelled"/> at once unless it
    /// resumes the run explicitly (<see cref="RunOptions.ResumeCancelled"/>), which clears the request.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public DateTimeOffset? CancelRequestedAt { get; init; }

    /// <summary>Gets who asked for the run to be cancelled (such as <c>batchkit-cli/host/pid</c> or a dashboard user), when <see cref="CancelRequestedAt"/> is set.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? CancelRequestedBy { get; init; }
}
