using Cronos;

namespace BatchKit.Hosting;

/// <summary>
/// A parsed cron schedule in a time zone. Occurrences are computed by Cronos on the zone's rules, so they are DST-safe:
/// a time skipped by a spring-forward transition (02:30 in Europe/Berlin on the last Sunday of March) runs once, at
/// the first valid instant after the gap; a time that happens twice on a fall-back day runs once, at its first instance.
/// </summary>
/// <remarks>Instances are immutable and thread-safe.</remarks>
public sealed class JobSchedule
{
    private readonly CronExpression _expression;

    private JobSchedule(string cron, CronExpression expression, TimeZoneInfo timeZone)
    {
        Cron = cron;
        _expression = expression;
        TimeZone = timeZone;
    }

    /// <summary>Gets the cron expression as given.</summary>
    public string Cron { get; }

    /// <summary>Gets the time zone the expression is read in.</summary>
    public TimeZoneInfo TimeZone { get; }

    /// <summary>Parses a cron expression (five fields, or six with seconds first) in a time zone.</summary>
    /// <param name="cron">The cron expression.</param>
    /// <param name="timeZoneId">An IANA or Windows time zone id, such as <c>Europe/Berlin</c> or <c>UTC</c>.</param>
    /// <returns>The schedule.</returns>
    /// <exception cref="FormatException">The expression or the time zone id is not valid; the message says which and why.</exception>
    public static JobSchedule Parse(string cron, string timeZoneId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(cron);
        ArgumentException.ThrowIfNullOrWhiteSpace(timeZoneId);
        if (!TryParse(cron, timeZoneId, out var schedule, out var error))
        {
            throw new FormatException(error);
        }

        return schedule;
    }

    /// <summary>Gets the first occurrence strictly after an instant.</summary>
    /// <param name="after">The instant.</param>
    /// <returns>The occurrence, with the zone's offset at that instant, or <see langword="null"/> if the expression has no later occurrence.</returns>
    public DateTimeOffset? GetNextOccurrence(DateTimeOffset after) => _expression.GetNextOccurrence(after, TimeZone, inclusive: false);

    /// <summary>Gets the occurrences in a time range, oldest first.</summary>
    /// <param name="after">The start of the range (exclusive).</param>
    /// <param name="until">The end of the range (inclusive).</param>
    /// <returns>The occurrences.</returns>
    public IEnumerable<DateTimeOffset> GetOccurrences(DateTimeOffset after, DateTimeOffset until) =>
        _expression.GetOccurrences(after, until, TimeZone, fromInclusive: false, toInclusive: true);

    /// <summary>Returns the expression and its time zone.</summary>
    /// <returns>For example <c>0 30 2 * * * (Europe/Berlin)</c>.</returns>
    public override string ToString() => $"{Cron} ({TimeZone.Id})";

    internal static bool TryParse(string cron, string timeZoneId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out JobSchedule? schedule, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        schedule = null;
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(timeZoneId, out var zone))
        {
            error = $"The time zone '{timeZoneId}' is not known on this machine: expected an IANA id such as 'Europe/Berlin' or 'UTC'.";
            return false;
        }

        var fields = cron.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        var format = fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard;
        if (fields is not (5 or 6) || !CronExpression.TryParse(cron, format, out var expression))
        {
            error = $"The cron expression '{cron}' is not valid: expected five fields (minute hour day-of-month month day-of-week) or six (second first), found {fields} field(s).";
            return false;
        }

        schedule = new JobSchedule(cron, expression, zone);
        error = null;
        return true;
    }
}
