namespace BatchKit;

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
