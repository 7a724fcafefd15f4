namespace BillingRun.PaymentStub;

/// <summary>How a <see cref="PaymentStub"/> listens and which failures it injects.</summary>
public sealed record PaymentStubOptions
{
    /// <summary>Gets the port on 127.0.0.1; 0 picks a free one (see <see cref="PaymentStub.BaseAddress"/>).</summary>
    public int Port { get; init; }

    /// <summary>Gets N: every Nth new charge request is answered <c>503</c> before anything is charged (never twice for one key); 0 for never.</summary>
    public int FailEvery { get; init; }

    /// <summary>Gets the time every charge request takes before it is answered.</summary>
    public TimeSpan Latency { get; init; } = TimeSpan.Zero;
}
