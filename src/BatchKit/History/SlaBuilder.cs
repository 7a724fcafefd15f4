namespace BatchKit;

/// <summary>
/// Configures a job's data SLAs (<see cref="JobBuilder{T}.WithSla"/>): objectives evaluated at the end of each run
/// attempt, stored in its history, exported as metrics and raised as alerts when missed. An objective added with
/// <c>gate: true</c> also fails the run when missed: the run is not published nor marked completed.
/// </summary>
/// <remarks>
/// Completeness, duplicates and freshness are evaluated only when every partition completed (they are about output
/// that is about to be published); the others at the end of every attempt.
/// </remarks>
public sealed class SlaBuilder
{
    internal List<SlaRule> Rules { get; } = [];

    internal IAlertSink? AlertSink { get; private set; }

    internal List<string> Problems { get; } = [];

    /// <summary>
    /// Requires the destination count to match the source count within a tolerance: <c>|source − destination| ≤
    /// tolerance × source</c>. By default the source count is the records read (bad ones included) and the destination
    /// count the records written, so error records count as missing.
    /// </summary>
    /// <param name="tolerance">The allowed difference as a fraction of the source count, for example 0.001 for 0.1%.</param>
    /// <param name="gate">Whether a miss fails the run.</param>
    /// <param name="sourceCount">Counts the source instead (for example a <c>SELECT count(*)</c> of the input); <see langword="null"/> for the records read.</param>
    /// <param name="destinationCount">Counts the destination instead (for example the run's rows in the warehouse); <see langword="null"/> for the records written.</param>
    /// <returns>The same builder instance, so calls can be chained.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="tolerance"/> is negative or above 1.</exception>
    public SlaBuilder Completeness(
        double tolerance = 0.001,
        bool gate = false,
        Func<SlaContext, CancellationToken, ValueTask<long>>? sourceCount = null,
        Func<SlaContext, CancellationToken, ValueTask<long>>? destinationCount = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tolerance);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(tolerance, 1.0);
        Rules.Add(new CompletenessRule(tolerance, gate, sourceCount, destinationCount));
        return this;
    }

    /// <summary>Requires the sink to report no duplicate key in what the run wrote. The sink must implement <see cref="IDuplicateKeyReporter"/>.</summary>
    /// <param name="gate">Whether a miss fails the run.</param>
    /// <returns>The same builder instance, so calls can be chained.</returns>
    public SlaBuilder NoDuplicates(bool gate = false)
    {
        Rules.Add(new DuplicatesRule(gate));
        return this;
    }

    /// <summary>Requires the newest source event to be at most <paramref name="maxAge"/> old at the run's end.</summary>
    /// <param name="maxAge">The largest age.</param>
    /// <param name="newestEventTime">Finds the newest event time of the run's input (for example a <c>max(event_time)</c> query); <see langword="null"/> fails the objective.</param>
    /// <param name="gate">Whether a miss fails the run.</param>
    /// <returns>The same builder instance, so calls can be chained.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxAge"/> is negative.</exception>
    public SlaBuilder Freshness(TimeSpan maxAge, Func<SlaContext, CancellationToken, ValueTask<DateTimeOffset?>> newestEventTime, bool gate = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAge, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(newestEventTime);
        Rules.Add(new FreshnessRule(maxAge, newestEventTime, gate));
        return this;
    }

    /// <summary>Requires the run's attempts to take at most <paramref name="max"/> together.</summary>
    /// <param name="max">The longest duration.</param>
    /// <param name="gate">Whether a miss fails the run.</param>
    /// <returns>The same builder instance, so calls can be chained.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="max"/> is not positive.</exception>
    public SlaBuilder MaxDuration(TimeSpan max, bool gate = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(max, TimeSpan.Zero);
        Rules.Add(new ThresholdRule(SlaObjective.Duration, max.TotalSeconds, gate, c => c.Duration.TotalSeconds, above: false, "seconds"));
        return this;
    }

    /// <summary>Requires the run to read at least <paramref name="records"/> records (bad ones included).</summary>
    /// <param name="records">The fewest records.</param>
    /// <param name="gate">Whether a miss fails the run.</param>
    /// <returns>The same builder instance, so calls can be chained.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="records"/> is negative.</exception>
    public SlaBuilder MinRecords(long records, bool gate = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(records);
        Rules.Add(new ThresholdRule(SlaObjective.MinRecords, records, gate, c => c.RecordsRead, above: true, "records read"));
        return this;
    }

    /// <summary>Requires at most <paramref name="rate"/> error records per record read.</summary>
    /// <param name="rate">The highest rate, for example 0.01.</param>
    /// <param name="gate">Whether a miss fails the run.</param>
    /// <returns>The same builder instance, so calls can be chained.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rate"/> is negative or above 1.</exception>
    public SlaBuilder MaxErrorRate(double rate, bool gate = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rate);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rate, 1.0);
        Rules.Add(new ThresholdRule(SlaObjective.ErrorRate, rate, gate, c => c.RecordsRead == 0 ? 0 : (double)c.Errors / c.RecordsRead, above: false, "errors per record"));
        return this;
    }

    /// <summary>Requires at most <paramref name="partitions"/> partitions to be left not completed at the run's end.</summary>
    /// <param name="partitions">The most partitions left pending, running or failed.</param>
    /// <returns>The same builder instance, so calls can be chained.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="partitions"/> is negative.</exception>
    public SlaBuilder MaxPendingPartitions(int partitions)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(partitions);
        Rules.Add(new ThresholdRule(SlaObjective.PendingPartitions, partitions, false, c => c.PendingPartitions, above: false, "partitions not completed"));
        return this;
    }

    /// <summary>
    /// Requires the share of the job's runs that completed (<see cref="RunStatus.Completed"/>) among those started within
    /// <paramref name="window"/> before this run's end to be at least <paramref name="target"/>, from the store's history.
    /// </summary>
    /// <param name="target">The lowest share, for example 0.99.</param>
    /// <param name="window">The window, for example 30 days.</param>
    /// <returns>The same builder instance, so calls can be chained.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="target"/> is outside 0..1, or <paramref name="window"/> is not positive.</exception>
    public SlaBuilder Availability(double target, TimeSpan window)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(target);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(target, 1.0);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        Rules.Add(new AvailabilityRule(target, window));
        return this;
    }

    /// <summary>Sends the alerts of missed objectives to <paramref name="sink"/> instead of the log (<see cref="LoggingAlertSink"/>).</summary>
    /// <param name="sink">The alert sink.</param>
    /// <returns>The same builder instance, so calls can be chained.</returns>
    public SlaBuilder AlertTo(IAlertSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        AlertSink = sink;
        return this;
    }
}
