namespace BatchKit.Hosting;

/// <summary>A job registered with <see cref="BatchKitBuilder.AddJob{T}"/>: how to build it and how its occurrences become run parameters.</summary>
internal sealed class JobRegistration(string name, Func<IServiceProvider, Job> factory, Func<ScheduledOccurrence, RunParameters> runParameters)
{
    public string Name { get; } = name;

    public Func<IServiceProvider, Job> Factory { get; } = factory;

    public Func<ScheduledOccurrence, RunParameters> RunParameters { get; } = runParameters;

    public static RunParameters DefaultRunParameters(ScheduledOccurrence occurrence) => BatchKit.RunParameters.Of("date", occurrence.BusinessDate);
}
