namespace BatchKit;

/// <summary>The share of rejected records passed the job's error-rate threshold.</summary>
public sealed class ErrorRateExceededException : BatchKitException
{
    /// <summary>Initializes a new instance of the <see cref="ErrorRateExceededException"/> class.</summary>
    public ErrorRateExceededException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ErrorRateExceededException"/> class.</summary>
    /// <param name="message">The message.</param>
    public ErrorRateExceededException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ErrorRateExceededException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ErrorRateExceededException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
