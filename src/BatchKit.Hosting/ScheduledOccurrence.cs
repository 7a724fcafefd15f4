namespace BatchKit.Hosting;

/// <summary>One scheduled occurrence of a job: what a RunKey function turns into run parameters.</summary>
/// <param name="JobName">The job name.</param>
/// <param name="Time">When the occurrence fell due, with the offset of <paramref name="TimeZone"/> at that instant.</param>
/// <param name="TimeZone">The time zone of the job's schedule.</param>
public readonly record struct ScheduledOccurrence(string JobName, DateTimeOffset Time, TimeZoneInfo TimeZone)
{
    /// <summary>Gets the calendar date of the occurrence in the schedule's time zone.</summary>
    public DateOnly LocalDate => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(Time, TimeZone).DateTime);

    /// <summary>Gets the default business date of the occurrence: the day before <see cref="LocalDate"/> (a nightly run processes yesterday).</summary>
    public DateOnly BusinessDate => LocalDate.AddDays(-1);
}
