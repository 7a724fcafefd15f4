namespace BatchKit;

/// <summary>Selects error records.</summary>
/// <param name="RunKey">The RunKey hash.</param>
/// <param name="PartitionId">Only this partition, when set.</param>
/// <param name="Reason">Only reasons containing this text, when set.</param>
/// <param name="Limit">The maximum number of records to return.</param>
public sealed record ErrorQuery(string RunKey, string? PartitionId = null, string? Reason = null, int Limit = 1000);
