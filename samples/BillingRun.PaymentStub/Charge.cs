using System.Text.Json.Serialization;

namespace BillingRun.PaymentStub;

/// <summary>A charge the stub made: what <c>POST /charges</c> answers and <c>GET /charges</c> lists.</summary>
/// <param name="Id">The charge id, <c>ch_…</c>.</param>
/// <param name="IdempotencyKey">The <c>Idempotency-Key</c> the charge was made under.</param>
/// <param name="AccountId">The account charged.</param>
/// <param name="AmountCents">The amount, in cents.</param>
/// <param name="Currency">The ISO currency code.</param>
/// <param name="Requests">How many requests carried this key (1 + the replays).</param>
public sealed record Charge(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("idempotency_key")] string IdempotencyKey,
    [property: JsonPropertyName("account_id")] long AccountId,
    [property: JsonPropertyName("amount_cents")] long AmountCents,
    [property: JsonPropertyName("currency")] string Currency,
    [property: JsonPropertyName("requests")] int Requests);
