using BatchKit;

namespace NightlyAnalytics;

/// <summary>The inputs of one nightly run: where the events are, where the warehouse is, and the business date.</summary>
public sealed class NightlyJobSettings
{
    /// <summary>Gets the folder of the event Parquet files (<c>*.parquet</c>).</summary>
    public required string InputDirectory { get; init; }

    /// <summary>Gets the DuckDB warehouse file.</summary>
    public required string WarehousePath { get; init; }

    /// <summary>Gets the SQLite state file; <see langword="null"/> for <c>&lt;warehouse&gt;.state.db</c> next to the warehouse.</summary>
    public string? StatePath { get; init; }

    /// <summary>Gets the business date; events outside it are rejected as error records.</summary>
    public DateOnly Date { get; init; } = NightlyJob.DefaultDate;

    /// <summary>Gets the number of partitions processed at once.</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Gets the number of records in a chunk.</summary>
    public int CommitInterval { get; init; } = 20_000;

    /// <summary>
    /// Gets how each partition's result is written: <see cref="WriteDisposition.ReplacePartition"/> (delete the
    /// partition's slice, insert its rows, in one transaction) or <see cref="WriteDisposition.Upsert"/> (set-based
    /// merge on the primary key). Either way a retried partition overwrites, never appends.
    /// </summary>
    public WriteDisposition WriteDisposition { get; init; } = WriteDisposition.ReplacePartition;

    /// <summary>
    /// Gets a value indicating whether each input partition is aggregated before the shuffle, so the shuffle moves one
    /// partial result per (user, type, hour) and input partition instead of every event (<c>--shuffle partials</c>, the
    /// default); <see langword="false"/> shuffles the events and aggregates after (<c>--shuffle rows</c>). Both give
    /// the same table.
    /// </summary>
    public bool CombineBeforeShuffle { get; init; } = true;

    /// <summary>
    /// Gets the lease duration of the run. A process that stops renewing its lease (killed, or paused) keeps the run for
    /// up to this long; a rerun then takes it over, and the paused process stops writing when it resumes.
    /// </summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets the state file actually used.</summary>
    public string ResolvedStatePath => StatePath ?? Path.ChangeExtension(Path.GetFullPath(WarehousePath), ".state.db");

    /// <summary>Gets the staging folder of the shuffle: <c>&lt;warehouse&gt;.staging</c> next to the warehouse.</summary>
    public string StagingDirectory => Path.ChangeExtension(Path.GetFullPath(WarehousePath), ".staging");

    /// <summary>Gets the DuckDB connection string of the warehouse.</summary>
    public string ConnectionString => "Data Source=" + Path.GetFullPath(WarehousePath);
}
