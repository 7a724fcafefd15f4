namespace BatchKit;

/// <summary>A resumed run found that its job definition or an input of its frozen plan changed since the run was planned. It is never transient: run with <see cref="RunOptions.Reprocess"/> to plan and process the run again.</summary>
public sealed class PlanMismatchException : BatchKitException
{
    /// <summary>Initializes a new instance of the <see cref="PlanMismatchException"/> class.</summary>
    public PlanMismatchException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PlanMismatchException"/> class.</summary>
    /// <param name="message">The message.</param>
    public PlanMismatchException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PlanMismatchException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public PlanMismatchException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
