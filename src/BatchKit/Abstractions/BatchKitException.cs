namespace BatchKit;

/// <summary>The base class of the runtime failures BatchKit raises.</summary>
public class BatchKitException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="BatchKitException"/> class.</summary>
    public BatchKitException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="BatchKitException"/> class.</summary>
    /// <param name="message">The message.</param>
    public BatchKitException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="BatchKitException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public BatchKitException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets or initializes the job name.</summary>
    public string? JobName { get; init; }

    /// <summary>Gets or initializes the partition id, when the failure belongs to one partition.</summary>
    public string? PartitionId { get; init; }

    /// <summary>Gets or initializes the step name, when the failure belongs to one step.</summary>
    public string? StepName { get; init; }

    /// <summary>Gets or initializes a value indicating whether retrying may succeed.</summary>
    public bool IsTransient { get; init; }
}
