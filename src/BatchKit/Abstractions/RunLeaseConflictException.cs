namespace BatchKit;

/// <summary>
/// The run lease, which a worker holds only while it plans or finalizes a run, stayed with another live worker for
/// longer than <see cref="JobOptions.LeaseWaitTimeout"/>; or a reprocess was asked while live workers hold partitions
/// of the run. Two runners on one RunKey otherwise cooperate instead of conflicting.
/// </summary>
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
