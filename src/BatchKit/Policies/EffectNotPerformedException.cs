namespace BatchKit;

/// <summary>
/// Thrown by a side effect to say it was definitely not performed (the downstream system refused the call before
/// acting on it). <see cref="IdempotencyGuard"/> then releases the effect's claim, so another attempt performs it;
/// any other exception leaves the effect in doubt.
/// </summary>
/// <remarks>The exception is transient: the partition fails and is attempted again, and the released effect with it.</remarks>
public sealed class EffectNotPerformedException : BatchKitException
{
    /// <summary>Initializes a new instance of the <see cref="EffectNotPerformedException"/> class.</summary>
    public EffectNotPerformedException()
    {
        IsTransient = true;
    }

    /// <summary>Initializes a new instance of the <see cref="EffectNotPerformedException"/> class.</summary>
    /// <param name="message">The message.</param>
    public EffectNotPerformedException(string message)
        : base(message)
    {
        IsTransient = true;
    }

    /// <summary>Initializes a new instance of the <see cref="EffectNotPerformedException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public EffectNotPerformedException(string message, Exception? innerException)
        : base(message, innerException)
    {
        IsTransient = true;
    }
}
