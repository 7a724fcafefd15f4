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
    DateTimeOffset? LeaseExpiresAt);
