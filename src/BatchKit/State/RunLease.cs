namespace BatchKit;

/// <summary>The lease a process holds on a run. Every state write carries it and fails if the lease was lost.</summary>
/// <param name="RunKey">The RunKey hash.</param>
/// <param name="Owner">The holder's identity (host, process id and a random suffix).</param>
/// <param name="Epoch">The epoch of this lease; a takeover increases it and fences out older holders.</param>
public sealed record RunLease(string RunKey, string Owner, long Epoch);
