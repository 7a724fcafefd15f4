namespace BillingRun;

/// <summary>
/// The payment API refused a charge with a 4xx answer (a declined card, an invalid request): it did not charge, and
/// asking again cannot succeed. The charge step wraps it in an <see cref="BatchKit.EffectNotPerformedException"/>, and
/// the job's skip policy turns that into an error record of the account instead of a retry.
/// </summary>
public sealed class PaymentRejectedException : Exception
{
    public PaymentRejectedException()
    {
    }

    public PaymentRejectedException(string message)
        : base(message)
    {
    }

    public PaymentRejectedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets the account whose charge was refused.</summary>
    public long AccountId { get; init; }

    /// <summary>Gets the HTTP status of the refusal.</summary>
    public int StatusCode { get; init; }

    /// <summary>Gets the payment API's error code, e.g. <c>card_declined</c>.</summary>
    public string Code { get; init; } = string.Empty;
}
