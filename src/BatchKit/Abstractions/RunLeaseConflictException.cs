namespace BatchKit;

/// <summary>Another live process holds the lease of the run.</summary>
public sealed class RunLeaseConflictException : BatchKitException
{
    /// <summary>Initializes a new instance of the <see cref="RunLeaseConflictException"/> class.</summary>
    public RunLeaseConflictException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="RunLeaseConflictException"/> class.</summary>
    /// <param name="message">The message.</param>
    public RunLeaseConflictException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="RunLeaseConflictException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public RunLeaseConflictException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
