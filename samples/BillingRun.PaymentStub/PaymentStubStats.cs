using System.Text.Json.Serialization;

namespace BillingRun.PaymentStub;

/// <summary>What <c>GET /stats</c> answers: counters since the stub started.</summary>
/// <param name="Requests">Every <c>POST /charges</c> received.</param>
/// <param name="Charges">Charges made (one per idempotency key that was not declined).</param>
/// <param name="Declines">Keys declined (card declined: 402).</param>
/// <param name="Replays">Requests answered from an earlier request with the same key, without charging.</param>
/// <param name="InjectedFailures">Requests answered 503 by <c>--fail-every</c>, before charging.</param>
public sealed record PaymentStubStats(
    [property: JsonPropertyName("requests")] long Requests,
    [property: JsonPropertyName("charges")] long Charges,
    [property: JsonPropertyName("declines")] long Declines,
    [property: JsonPropertyName("replays")] long Replays,
    [property: JsonPropertyName("injected_failures")] long InjectedFailures);
