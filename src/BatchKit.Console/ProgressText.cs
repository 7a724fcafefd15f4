using System.Globalization;

namespace BatchKit;

/// <summary>The text of progress lines: counts in full (invariant, no separators), rates abbreviated, times as hh:mm:ss.</summary>
internal static class ProgressText
{
    /// <summary>Formats a periodic line: <c>progress run=… partitions 12/204 done, 4 running, read 1200000, written 1199000, 240k/s, errors 3, in-doubt 0, eta 00:00:07</c>.</summary>
    public static string Line(RunProgress progress, double rate) => string.Create(
        CultureInfo.InvariantCulture,
        $"progress run={progress.RunKey} partitions {progress.CompletedPartitions}/{progress.Partitions.Count} done, {progress.RunningPartitions} running{Failed(progress)}, read {progress.RecordsRead}, written {progress.RecordsWritten}, {Rate(rate)}/s, errors {progress.Errors}, in-doubt {progress.InDoubt}, eta {Eta(ProgressEstimator.RunRemaining(progress))}");

    /// <summary>Formats the final line: <c>progress run=… Completed in 00:00:12: partitions 204/204 done, read …, written …, errors 3, in-doubt 0, 240k/s</c>.</summary>
    public static string Final(RunProgress progress) => string.Create(
        CultureInfo.InvariantCulture,
        $"progress run={progress.RunKey} {progress.Status} in {Time(progress.Elapsed)}: partitions {progress.CompletedPartitions}/{progress.Partitions.Count} done{Failed(progress)}, read {progress.RecordsRead}, written {progress.RecordsWritten}, errors {progress.Errors}, in-doubt {progress.InDoubt}, {Rate(progress.Elapsed.TotalSeconds > 0 ? progress.RecordsRead / progress.Elapsed.TotalSeconds : 0)}/s");

    /// <summary>Abbreviates a count or rate: <c>950</c>, <c>12.5k</c>, <c>1.2M</c>, <c>3.4G</c>.</summary>
    public static string Rate(double value) => value switch
    {
        >= 1e9 => (value / 1e9).ToString("0.#", CultureInfo.InvariantCulture) + "G",
        >= 1e6 => (value / 1e6).ToString("0.#", CultureInfo.InvariantCulture) + "M",
        >= 1e3 => (value / 1e3).ToString("0.#", CultureInfo.InvariantCulture) + "k",
        _ => value.ToString("0", CultureInfo.InvariantCulture),
    };

    public static string Eta(TimeSpan? remaining) => remaining is { } r ? Time(r) : "--:--:--";

    public static string Time(TimeSpan time) => time.TotalHours >= 100
        ? ((long)time.TotalHours).ToString(CultureInfo.InvariantCulture) + "h"
        : string.Create(CultureInfo.InvariantCulture, $"{(int)time.TotalHours:00}:{time.Minutes:00}:{time.Seconds:00}");

    private static string Failed(RunProgress progress) =>
        progress.FailedPartitions > 0 ? string.Create(CultureInfo.InvariantCulture, $", {progress.FailedPartitions} failed") : string.Empty;
}
