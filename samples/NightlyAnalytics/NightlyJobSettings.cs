using BatchKit;

namespace NightlyAnalytics;

/// <summary>The inputs of one nightly run: where the events are, where the warehouse is, and the business date.</summary>
public sealed class NightlyJobSettings
{
    /// <summary>The environment variable <c>run</c> and <c>worker</c> read the warehouse from when <c>--warehouse</c> is not given (so a password stays off the command line).</summary>
    public const string WarehouseVariable = "BATCHKIT_NIGHTLY_WAREHOUSE";

    /// <summary>The environment variable <c>run</c> and <c>worker</c> read the state from when <c>--state</c> is not given.</summary>
    public const string StateVariable = "BATCHKIT_NIGHTLY_STATE";

    /// <summary>
    /// Gets the folder of the event Parquet files (<c>*.parquet</c>), or an S3 prefix <c>s3://bucket/prefix/</c> whose
    /// <c>*.parquet</c> objects are read through ranged GETs (the client from the AWS SDKs' environment variables).
    /// </summary>
    public required string InputDirectory { get; init; }

    /// <summary>Gets a value indicating whether the input is an S3 prefix (<c>s3://…</c>) rather than a local folder.</summary>
    public bool InputIsS3 => S3Events.IsS3(InputDirectory);

    /// <summary>
    /// Gets the warehouse: a DuckDB file, or a PostgreSQL connection string (<c>Host=…</c>, <c>postgres://…</c> or
    /// <c>postgresql://…</c>) when many machines load one warehouse.
    /// </summary>
    public required string WarehousePath { get; init; }

    /// <summary>
    /// Gets the state: a SQLite file or a PostgreSQL connection string; <see langword="null"/> for
    /// <c>&lt;warehouse&gt;.state.db</c> next to a DuckDB warehouse, or the warehouse's own database when it is PostgreSQL.
    /// </summary>
    public string? StatePath { get; init; }

    /// <summary>
    /// Gets the staging folder of the shuffle, which every worker of a run must reach; <see langword="null"/> for
    /// <c>&lt;warehouse&gt;.staging</c> next to a DuckDB warehouse, or <c>&lt;state&gt;.staging</c> next to a SQLite state file.
    /// </summary>
    public string? StagingPath { get; init; }

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

    /// <summary>Gets a value indicating whether the warehouse is a PostgreSQL database (else a DuckDB file).</summary>
    public bool WarehouseIsPostgres => IsPostgres(WarehousePath);

    /// <summary>Gets a value indicating whether the state is kept in PostgreSQL (else in a SQLite file).</summary>
    public bool StateIsPostgres => IsPostgres(ResolvedStatePath);

    /// <summary>Gets the state file or connection string actually used.</summary>
    public string ResolvedStatePath => StatePath ?? (WarehouseIsPostgres ? WarehousePath : Path.ChangeExtension(Path.GetFullPath(WarehousePath), ".state.db"));

    /// <summary>Gets the staging folder of the shuffle actually used.</summary>
    /// <exception cref="InvalidOperationException">Both the warehouse and the state are in PostgreSQL and <see cref="StagingPath"/> is not set.</exception>
    public string StagingDirectory => StagingPath is not null
        ? Path.GetFullPath(StagingPath)
        : !WarehouseIsPostgres
            ? Path.ChangeExtension(Path.GetFullPath(WarehousePath), ".staging")
            : !StateIsPostgres
                ? Path.ChangeExtension(Path.GetFullPath(ResolvedStatePath), ".staging")
                : throw new InvalidOperationException("The warehouse and the state are in PostgreSQL: set the staging folder (--staging DIR), a folder every worker reaches.");

    /// <summary>Gets the DuckDB connection string of the warehouse (of a DuckDB warehouse only).</summary>
    public string ConnectionString => "Data Source=" + Path.GetFullPath(WarehousePath);

    /// <summary>Gets the warehouse named for messages: the DuckDB file, or the PostgreSQL server and database without credentials.</summary>
    public string WarehouseDescription => Describe(WarehousePath);

    /// <summary>Gets the state named for messages: the SQLite file, or the PostgreSQL server and database without credentials.</summary>
    public string StateDescription => Describe(ResolvedStatePath);

    /// <summary>Tells whether a <c>--state</c> or <c>--warehouse</c> value is a PostgreSQL connection string rather than a file.</summary>
    /// <param name="value">The value.</param>
    /// <returns><see langword="true"/> for <c>Host=…</c> (keyword form, any case, anywhere in the string), <c>postgres://…</c> or <c>postgresql://…</c>.</returns>
    public static bool IsPostgres(string? value) =>
        value is not null
        && (value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
            || value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
            || value.Split(';').Any(part => part.TrimStart().StartsWith("Host=", StringComparison.OrdinalIgnoreCase) || part.TrimStart().StartsWith("Server=", StringComparison.OrdinalIgnoreCase)));

    /// <summary>Converts a <c>postgres://user:password@host:port/database?k=v</c> URL to an Npgsql connection string; returns keyword forms unchanged.</summary>
    /// <param name="value">The connection string or URL.</param>
    /// <returns>The Npgsql connection string.</returns>
    public static string ToNpgsql(string value) => PostgresUrl.ToConnectionString(value);

    /// <summary>
    /// Returns the Npgsql connection string for the state or the warehouse. The PostgreSQL store and sink bound each of
    /// their transactions by the lease (<c>idle_in_transaction_session_timeout</c>), so a paused worker's open
    /// transaction is ended by the server instead of blocking the worker that takes its partition over.
    /// </summary>
    /// <param name="value">The connection string or URL.</param>
    /// <returns>The Npgsql connection string.</returns>
    public static string PostgresConnectionString(string value) => ToNpgsql(value);

    private static string Describe(string value) => IsPostgres(value) ? PostgresUrl.Describe(value) : Path.GetFullPath(value);
}
