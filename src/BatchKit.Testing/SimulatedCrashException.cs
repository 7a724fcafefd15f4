namespace BatchKit.Testing;

/// <summary>The crash a contract case injects: not transient, so the attempt fails as a killed process would.</summary>
internal sealed class SimulatedCrashException : BatchKitException
{
    public SimulatedCrashException()
        : this("Simulated crash.")
    {
    }

    public SimulatedCrashException(string message)
        : base(message)
    {
    }

    public SimulatedCrashException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
