namespace BatchKit;

/// <summary>
/// The short claim a worker holds on a run itself (not on its partitions), taken with
/// <see cref="ICheckpointStore.AcquireRunAsync"/>: held while the worker joins the run (freezes or verifies the plan)
/// and while it finalizes it (run-level publish, checks, final status); never while partitions are processed. Run-wide
/// writes carry it and fail if it was lost; its owner and epoch fence the run-level publish
/// (<see cref="RunCompletionContext.Fence"/>).
/// </summary>
/// <param name="RunKey">The RunKey hash.</param>
/// <param name="Owner">The holder's identity (host, process id, process start and a random suffix).</param>
/// <param name="Epoch">The epoch of this lease; it grows whenever the lease passes to another owner, and fences out older holders.</param>
public sealed record RunLease(string RunKey, string Owner, long Epoch);
