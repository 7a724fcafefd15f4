using BatchKit;

namespace NightlyAnalytics;

/// <summary>The outcome of a nightly run: the run's result and what the warehouse holds for the date.</summary>
/// <param name="Result">The run's result (counts come from the checkpoints, also for a run that had already completed).</param>
/// <param name="WarehouseEvents">The sum of <c>event_count</c> in the warehouse for the date.</param>
/// <param name="WarehouseRows">The number of warehouse rows for the date.</param>
/// <param name="ExtractTime">The time this call spent reading the input into staging.</param>
/// <param name="PartitionTime">The time this call spent aggregating and loading partitions after the extract.</param>
public sealed record NightlyOutcome(RunResult Result, long WarehouseEvents, long WarehouseRows, TimeSpan ExtractTime, TimeSpan PartitionTime)
{
    /// <summary>Gets the number of events the warehouse should hold: records read minus error records.</summary>
    public long ExpectedEvents => Result.RecordsRead - Result.Errors;

    /// <summary>Gets a value indicating whether the run completed and the warehouse holds exactly the expected events.</summary>
    public bool Verified => Result.Succeeded && WarehouseEvents == ExpectedEvents;

    /// <summary>Formats the one-line summary: <c>key=value</c> fields separated by spaces.</summary>
    /// <param name="peakRssMb">The process's peak resident memory in MB, or <see langword="null"/> when unknown.</param>
    /// <returns>The summary line.</returns>
    public string ToSummaryLine(double? peakRssMb)
    {
        var r = Result;
        var line = FormattableString.Invariant(
            $"nightly: status={r.Status} already_completed={Lower(r.WasAlreadyCompleted)} records_in={r.RecordsRead} records_out={r.RecordsWritten} errors={r.Errors} ") +
            FormattableString.Invariant(
            $"partitions={r.Partitions} processed={r.PartitionsProcessed} warehouse_events={WarehouseEvents} warehouse_rows={WarehouseRows} verified={Lower(Verified)} ") +
            FormattableString.Invariant(
            $"extract_s={ExtractTime.TotalSeconds:F2} partitions_s={PartitionTime.TotalSeconds:F2} elapsed_s={r.Elapsed.TotalSeconds:F2}");
        return peakRssMb is { } rss ? line + FormattableString.Invariant($" peak_rss_mb={rss:F0}") : line;
    }

    private static string Lower(bool value) => value ? "true" : "false";
}
