namespace BatchKit;

/// <summary>A lease (a partition's, or the run lease held to plan or finalize) was taken over by another worker; this worker may no longer write what it covered.</summary>
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
