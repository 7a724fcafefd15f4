namespace BatchKit;

/// <summary>The run lease was taken over by another process; this process may no longer write the run's state.</summary>
public sealed class LeaseLostException : BatchKitException
{
    /// <summary>Initializes a new instance of the <see cref="LeaseLostException"/> class.</summary>
    public LeaseLostException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="LeaseLostException"/> class.</summary>
    /// <param name="message">The message.</param>
    public LeaseLostException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="LeaseLostException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public LeaseLostException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
