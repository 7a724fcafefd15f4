using System.Diagnostics;
using System.Globalization;

namespace BatchKit;

/// <summary>
/// Builds the owner string of a run lease, <c>host/pid/processStart/random</c>, and tells whether the process behind
/// such an owner is a process of this host that is gone. The process start time guards against a reused pid: on
/// Linux it is field 22 of <c>/proc/&lt;pid&gt;/stat</c> (clock ticks since boot, exact), elsewhere the start time
/// reported by <see cref="Process"/>, compared to the second.
/// </summary>
/// <remarks>
/// The host is <see cref="Environment.MachineName"/>. Processes that share a state file but not a process table under
/// one host name (containers given the same host name) would see each other as gone; give them distinct host names.
/// </remarks>
internal static class LocalProcessOwner
{
    private static readonly string CurrentStart = CurrentProcessStart();

    /// <summary>Creates the owner string of a new lease of this process.</summary>
    public static string Create() =>
        string.Join('/', Environment.MachineName, Environment.ProcessId.ToString(CultureInfo.InvariantCulture), CurrentStart, Guid.NewGuid().ToString("N")[..8]);

    /// <summary>
    /// Tells whether an owner names a process of this host that no longer runs: no process has its pid, or the process
    /// with its pid started at another time. Owners of other hosts, of an unknown format, or whose process cannot be
    /// inspected are not known to be gone.
    /// </summary>
    public static bool IsGone(string owner)
    {
        var parts = owner.Split('/');
        if (parts.Length != 4
            || !string.Equals(parts[0], Environment.MachineName, StringComparison.OrdinalIgnoreCase)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var recorded)
            || recorded == 0)
        {
            return false;
        }

        string? current;
        try
        {
            current = StartOf(pid);
        }
#pragma warning disable CA1031 // a process that cannot be inspected is treated as alive: only its lease's expiry frees the run
        catch (Exception)
#pragma warning restore CA1031
        {
            return false;
        }

        if (current is null || !long.TryParse(current, NumberStyles.None, CultureInfo.InvariantCulture, out var actual))
        {
            return true;
        }

        return OperatingSystem.IsLinux() ? actual != recorded : Math.Abs(actual - recorded) > 1;
    }

    // "0" (never known to be gone) when this process cannot read its own start time.
    private static string CurrentProcessStart()
    {
        try
        {
            return StartOf(Environment.ProcessId) ?? "0";
        }
#pragma warning disable CA1031 // without a start time the lease is only freed by its expiry, as before
        catch (Exception)
#pragma warning restore CA1031
        {
            return "0";
        }
    }

    // The start of a running process (Linux: clock ticks since boot; elsewhere: unix seconds), or null when no
    // process has the pid (a zombie counts as gone).
    private static string? StartOf(int pid)
    {
        if (OperatingSystem.IsLinux())
        {
            string stat;
            try
            {
                stat = File.ReadAllText("/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/stat");
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                return null;
            }

            // Field 2, the command name, is in parentheses and may hold spaces: count the fields after its closing one.
            var fields = stat[(stat.LastIndexOf(')') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return fields[0] is "Z" or "X" ? null : fields[19];
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited ? null : new DateTimeOffset(process.StartTime.ToUniversalTime()).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
