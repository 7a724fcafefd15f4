namespace BatchKit;

/// <summary>An idempotency key that was claimed and never confirmed.</summary>
/// <param name="RunKey">The RunKey hash.</param>
/// <param name="Key">The idempotency key.</param>
/// <param name="PartitionId">The partition that claimed it.</param>
/// <param name="ClaimedAt">When it was claimed.</param>
public sealed record InDoubtEffect(string RunKey, string Key, string PartitionId, DateTimeOffset ClaimedAt);
