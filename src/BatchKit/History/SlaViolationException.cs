namespace BatchKit;

/// <summary>A run missed an SLA objective configured as a gate, so it was not marked completed (nor published).</summary>
public sealed class SlaViolationException : BatchKitException
{
    /// <summary>Initializes a new instance of the <see cref="SlaViolationException"/> class.</summary>
    public SlaViolationException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="SlaViolationException"/> class.</summary>
    /// <param name="message">The message.</param>
    public SlaViolationException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="SlaViolationException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public SlaViolationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets the results of every objective evaluated, the missed gates among them.</summary>
    public IReadOnlyList<SlaResult> Results { get; init; } = [];
}
