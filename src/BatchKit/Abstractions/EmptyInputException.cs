namespace BatchKit;

/// <summary>A run found no input, or read fewer records than the job expects (<see cref="JobBuilder{T}.AllowEmptyInput"/>, <see cref="JobBuilder{T}.ExpectAtLeast"/>). It is never transient, and the run is not marked completed.</summary>
public sealed class EmptyInputException : BatchKitException
{
    /// <summary>Initializes a new instance of the <see cref="EmptyInputException"/> class.</summary>
    public EmptyInputException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="EmptyInputException"/> class.</summary>
    /// <param name="message">The message.</param>
    public EmptyInputException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="EmptyInputException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public EmptyInputException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
