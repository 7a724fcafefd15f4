using System.Globalization;

namespace BatchKit.Cli;

/// <summary>Parses ages and windows such as <c>7d</c>, <c>12h</c>, <c>30m</c>, <c>90s</c> or <c>1.02:00:00</c>.</summary>
internal static class DurationParser
{
    public static TimeSpan Parse(string text, string option)
    {
        var value = text.Trim();
        if (value.Length > 1 && double.TryParse(value[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) && amount >= 0)
        {
            switch (char.ToLowerInvariant(value[^1]))
            {
                case 'd': return TimeSpan.FromDays(amount);
                case 'h': return TimeSpan.FromHours(amount);
                case 'm': return TimeSpan.FromMinutes(amount);
                case 's': return TimeSpan.FromSeconds(amount);
                case 'w': return TimeSpan.FromDays(7 * amount);
            }
        }

        if (TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero)
        {
            return span;
        }

        throw new CliException(ExitCodes.Usage, $"{option} '{text}' is not a duration: use a number with d, h, m or s (7d, 12h, 30m) or d.hh:mm:ss.");
    }
}
