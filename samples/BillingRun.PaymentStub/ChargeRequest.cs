using System.Text.Json.Serialization;

namespace BillingRun.PaymentStub;

/// <summary>The body of <c>POST /charges</c>.</summary>
/// <param name="AccountId">The account charged.</param>
/// <param name="AmountCents">The amount, in cents.</param>
/// <param name="Currency">The ISO currency code.</param>
/// <param name="Card">The card token; <c>tok_declined</c> is always declined.</param>
public sealed record ChargeRequest(
    [property: JsonPropertyName("account_id")] long AccountId,
    [property: JsonPropertyName("amount_cents")] long AmountCents,
    [property: JsonPropertyName("currency")] string Currency,
    [property: JsonPropertyName("card")] string Card);
