namespace BatchKit;

/// <summary>One run in a job's duration trend (<see cref="RunHistory.DurationTrendAsync"/>).</summary>
/// <param name="RunKey">The RunKey hash.</param>
/// <param name="Parameters">The run parameters.</param>
/// <param name="StartedAt">When the run was first started.</param>
/// <param name="Status">Its status.</param>
/// <param name="Duration">How long its attempts took together.</param>
/// <param name="RecordsRead">The records it read.</param>
public sealed record DurationPoint(string RunKey, string Parameters, DateTimeOffset StartedAt, RunStatus Status, TimeSpan Duration, long RecordsRead)
{
    /// <summary>Gets the records read per second, or 0 for a run that took no time.</summary>
    public double RecordsPerSecond => Duration > TimeSpan.Zero ? RecordsRead / Duration.TotalSeconds : 0;
}
