namespace BatchKit;

/// <summary>
/// A person asked for the run to be cancelled (<see cref="RunMaintenance.CancelRunAsync"/>): this worker stopped at a
/// chunk boundary with its partitions pending and resumable. It is the <see cref="RunResult.Exception"/> of a run that
/// ended <see cref="RunStatus.Cancelled"/> by such a request, not thrown by <see cref="JobRunner"/>.
/// </summary>
public sealed class RunCancelledException : BatchKitException
{
    /// <summary>Gets who asked for the cancellation, as recorded in the state store (<see cref="RunRecord.CancelRequestedBy"/>).</summary>
    public string? RequestedBy { get; init; }

    /// <summary>Initializes a new instance of the <see cref="RunCancelledException"/> class.</summary>
    public RunCancelledException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="RunCancelledException"/> class.</summary>
    /// <param name="message">The message.</param>
    public RunCancelledException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="RunCancelledException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public RunCancelledException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
