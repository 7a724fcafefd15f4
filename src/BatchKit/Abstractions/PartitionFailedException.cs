namespace BatchKit;

/// <summary>A partition failed past its attempt limit.</summary>
public sealed class PartitionFailedException : BatchKitException
{
    /// <summary>Initializes a new instance of the <see cref="PartitionFailedException"/> class.</summary>
    public PartitionFailedException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PartitionFailedException"/> class.</summary>
    /// <param name="message">The message.</param>
    public PartitionFailedException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PartitionFailedException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public PartitionFailedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
