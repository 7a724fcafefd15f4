namespace BillingRun.PaymentStub;

/// <summary>Where <see cref="PaymentStub.Stall"/> holds an account's charge requests until the client gives up.</summary>
public enum StallMode
{
    /// <summary>Before charging: the client times out and nothing was charged.</summary>
    BeforeCharge,

    /// <summary>After charging: the client times out although the card was charged (a lost response).</summary>
    AfterCharge,
}
