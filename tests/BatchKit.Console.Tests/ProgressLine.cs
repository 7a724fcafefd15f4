using System.Globalization;
using System.Text.RegularExpressions;

namespace BatchKit.ConsoleProgressTests;

/// <summary>A plain progress line, periodic or final, parsed back into its counts.</summary>
internal sealed partial record ProgressLine(bool IsFinal, string Status, int Done, int Total, long Read, long Written, long Errors, long InDoubt)
{
    public static ProgressLine? Parse(string line)
    {
        if (Periodic().Match(line) is { Success: true } p)
        {
            return new ProgressLine(false, "Running", Int(p, "done"), Int(p, "total"), Long(p, "read"), Long(p, "written"), Long(p, "errors"), Long(p, "doubt"));
        }

        if (Final().Match(line) is { Success: true } f)
        {
            return new ProgressLine(true, f.Groups["status"].Value, Int(f, "done"), Int(f, "total"), Long(f, "read"), Long(f, "written"), Long(f, "errors"), Long(f, "doubt"));
        }

        return null;
    }

    /// <summary>Parses the test host's last line: <c>result status=… partitions=… read=… written=… errors=… in-doubt=…</c>.</summary>
    public static (string Status, long Read, long Written, long Errors, long InDoubt) ParseResult(string line)
    {
        var m = Result().Match(line);
        m.Success.Should().BeTrue($"'{line}' is the host's result line");
        return (m.Groups["status"].Value, Long(m, "read"), Long(m, "written"), Long(m, "errors"), Long(m, "doubt"));
    }

    private static int Int(Match m, string name) => int.Parse(m.Groups[name].Value, CultureInfo.InvariantCulture);

    private static long Long(Match m, string name) => long.Parse(m.Groups[name].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^progress run=\S+ partitions (?<done>\d+)/(?<total>\d+) done, (?<running>\d+) running(, \d+ failed)?, read (?<read>\d+), written (?<written>\d+), [\d.]+[kMG]?/s, errors (?<errors>\d+), in-doubt (?<doubt>\d+), eta (\d\d:\d\d:\d\d|--:--:--)$")]
    private static partial Regex Periodic();

    [GeneratedRegex(@"^progress run=\S+ (?<status>\w+) in \d\d:\d\d:\d\d: partitions (?<done>\d+)/(?<total>\d+) done(, \d+ failed)?, read (?<read>\d+), written (?<written>\d+), errors (?<errors>\d+), in-doubt (?<doubt>\d+), [\d.]+[kMG]?/s$")]
    private static partial Regex Final();

    [GeneratedRegex(@"^result status=(?<status>\w+) partitions=\d+ read=(?<read>\d+) written=(?<written>\d+) errors=(?<errors>\d+) in-doubt=(?<doubt>\d+)$")]
    private static partial Regex Result();
}
