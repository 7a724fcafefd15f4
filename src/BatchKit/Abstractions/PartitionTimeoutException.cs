namespace BatchKit;

/// <summary>A partition attempt exceeded <see cref="JobOptions.PartitionTimeout"/>.</summary>
public sealed class PartitionTimeoutException : BatchKitException
{
    /// <summary>Initializes a new instance of the <see cref="PartitionTimeoutException"/> class.</summary>
    public PartitionTimeoutException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PartitionTimeoutException"/> class.</summary>
    /// <param name="message">The message.</param>
    public PartitionTimeoutException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PartitionTimeoutException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public PartitionTimeoutException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets or initializes the timeout the partition attempt exceeded (<see cref="JobOptions.PartitionTimeout"/>).</summary>
    public TimeSpan Timeout { get; init; }
}
