namespace BatchKit;

/// <summary>The names of the SLA objectives, as stored in history and used as the <c>batchkit.sla.objective</c> metric tag.</summary>
public static class SlaObjective
{
    /// <summary>Destination count versus source count, within a tolerance (a fraction of the source count).</summary>
    public const string Completeness = "completeness";

    /// <summary>Duplicate keys the sink reports in what it wrote.</summary>
    public const string Duplicates = "duplicates";

    /// <summary>Age in seconds of the newest source event at the run's end.</summary>
    public const string Freshness = "freshness";

    /// <summary>Seconds the run's attempts took together.</summary>
    public const string Duration = "duration";

    /// <summary>Records read, bad ones included.</summary>
    public const string MinRecords = "min-records";

    /// <summary>Error records per record read.</summary>
    public const string ErrorRate = "error-rate";

    /// <summary>Share of the job's runs that completed, over a window.</summary>
    public const string Availability = "availability";

    /// <summary>Partitions not completed at the run's end.</summary>
    public const string PendingPartitions = "pending-partitions";
}
