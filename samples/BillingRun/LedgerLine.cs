namespace BillingRun;

/// <summary>One line of the month's ledger: an account that was charged, and the payment API's charge id.</summary>
public sealed class LedgerLine
{
    public required string Month { get; init; }

    public required long AccountId { get; init; }

    public required long AmountCents { get; init; }

    public required string Currency { get; init; }

    public required string ChargeId { get; init; }

    /// <summary>The key the charge was made under (the <c>Idempotency-Key</c> header).</summary>
    public required string IdempotencyKey { get; init; }
}
