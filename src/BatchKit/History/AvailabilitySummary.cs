namespace BatchKit;

/// <summary>The share of a job's runs that completed over a window (<see cref="RunHistory.AvailabilityAsync"/>).</summary>
/// <param name="JobName">The job.</param>
/// <param name="Window">The window, ending at <paramref name="Until"/>.</param>
/// <param name="Until">The end of the window.</param>
/// <param name="Runs">The runs started within the window.</param>
/// <param name="Completed">Those that are <see cref="RunStatus.Completed"/>.</param>
public sealed record AvailabilitySummary(string JobName, TimeSpan Window, DateTimeOffset Until, int Runs, int Completed)
{
    /// <summary>Gets <see cref="Completed"/> / <see cref="Runs"/>, or <see langword="null"/> when no run started within the window.</summary>
    public double? Availability => Runs == 0 ? null : (double)Completed / Runs;
}
