using BatchKit.Shared;

namespace BatchKit.DuckDb;

/// <summary>Configures a <see cref="DuckDbSink{T}"/>.</summary>
public sealed class DuckDbSinkOptions
{
    /// <summary>Gets or sets the DuckDB.NET connection string, for example <c>Data Source=/data/warehouse.duckdb</c>.</summary>
    /// <value>The default value is an empty string, which is invalid: set it.</value>
    [RequiredText]
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>
    /// Gets or sets how writes are made idempotent: <see cref="WriteDisposition.Upsert"/> on the mapping's key, or
    /// <see cref="WriteDisposition.ReplacePartition"/> of the slice given by <see cref="Slice"/>.
    /// <see cref="WriteDisposition.Append"/> is not supported.
    /// </summary>
    /// <value>The default value is <see cref="WriteDisposition.Upsert"/>.</value>
    public WriteDisposition Disposition { get; set; } = WriteDisposition.Upsert;

    /// <summary>
    /// Gets or sets the function that gives the slice of the target table a partition owns; required for
    /// <see cref="WriteDisposition.ReplacePartition"/>. It must return the same slice for the same run and partition,
    /// and every record the partition writes must fall inside it.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public Func<SinkContext, DuckDbSlice>? Slice { get; set; }

    /// <summary>
    /// Gets or sets the function that gives the slice of the target table a whole run owns. When set (with
    /// <see cref="WriteDisposition.ReplacePartition"/>), completed partitions stay in staging and the run publishes them
    /// all at once when every partition has completed: one transaction deletes the run's slice, inserts every staged
    /// row of the run and records the run as applied. Readers never see a half-loaded run, and the warehouse does one
    /// scan and one bulk insert instead of one per partition. Every partition's slice must lie inside the run's slice.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: each partition replaces its slice when it completes.</value>
    public Func<RunKey, DuckDbSlice>? RunSlice { get; set; }

    /// <summary>Gets or sets a value indicating whether the target table is created from the mapping when it does not exist.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool CreateTable { get; set; } = true;

    /// <summary>
    /// Gets or sets a value indicating whether a table the sink creates gets the mapping's key as its <c>PRIMARY KEY</c>.
    /// Upsert needs the key (it matches on it). With <see cref="WriteDisposition.ReplacePartition"/> uniqueness holds
    /// by construction (each partition, or the run, replaces its own slice), so by default the table has no index: a
    /// bulk load into a table with a primary key costs DuckDB several times the load itself. Instead, every publish
    /// checks, in its transaction and in the same scan that checks the slice, that the staged rows hold each key once,
    /// and fails naming a duplicated key otherwise; a key that also occurs outside the replaced slice is not checked
    /// (set this to <see langword="true"/> when the key does not decide the slice).
    /// </summary>
    /// <value>The default value is <see langword="null"/>: a primary key for Upsert, none for ReplacePartition. <see langword="false"/> with Upsert is invalid.</value>
    public bool? CreatePrimaryKey { get; set; }

    /// <summary>
    /// Gets or sets how long one operation of the sink waits for the database file when another process holds its lock
    /// (DuckDB lets one process open a file for writing). A process paused or hung while writing keeps the lock; the
    /// wait is retried with backoff inside the sink, so it does not use up a partition attempt.
    /// </summary>
    /// <value>The default value is 2 minutes.</value>
    [DurationAtLeast("00:00:00")]
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Gets or sets the folder where the sink stages each partition's rows as Parquet files (one per commit, named by the
    /// record numbers and the lease epoch) until they are applied, so the database file is opened only for the set-based
    /// apply (an Upsert merge or a slice replacement) when the partition completes.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: <c>&lt;database file&gt;.bk-staging/&lt;table&gt;</c>, beside the database.</value>
    public string? StagingDirectory { get; set; }
}
