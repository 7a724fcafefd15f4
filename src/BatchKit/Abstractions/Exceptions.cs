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

/// <summary>A job definition is invalid; <see cref="Exception.Message"/> lists every problem.</summary>
public sealed class JobValidationException : BatchKitException
{
    /// <summary>Initializes a new instance of the <see cref="JobValidationException"/> class.</summary>
    public JobValidationException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="JobValidationException"/> class.</summary>
    /// <param name="message">The message.</param>
    public JobValidationException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="JobValidationException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public JobValidationException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
