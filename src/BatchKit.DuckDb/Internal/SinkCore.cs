using DuckDB.NET.Data;

namespace BatchKit.DuckDb.Internal;

/// <summary>The state a <see cref="DuckDbSink{T}"/> shares between its writers.</summary>
internal sealed class SinkCore<T>
{
    /// <summary>The staging column that holds the partition tag (run key and partition id).</summary>
    public const string PartitionColumn = "_bk_partition";

    /// <summary>The staging column that holds the record's ordinal within its partition.</summary>
    public const string SequenceColumn = "_bk_seq";

    /// <summary>The reserved parameter name of the partition tag.</summary>
    public const string TagParameter = "bk_tag";

    /// <summary>The fence row of the run-level publish: partition ids are never empty.</summary>
    public const string RunFencePartition = "";

    /// <summary>The in-memory DuckDB that writes staging files; shared by the writers of a process, and holding no file lock.</summary>
    private const string MemoryConnectionString = "Data Source=:memory:?cache=shared";

    private readonly bool _createTable;
    private readonly bool _createKey;
    private readonly Lock _memoryLock = new();
    private bool _prepared;
    private DuckDBConnection? _memoryKeepAlive;

    public SinkCore(TableMap<T> map, DuckDbSinkOptions options)
    {
        Map = map;
        ConnectionString = options.ConnectionString;
        Disposition = options.Disposition;
        Slice = options.Slice;
        RunSlice = options.RunSlice;
        _createTable = options.CreateTable;
        _createKey = options.CreatePrimaryKey ?? options.Disposition == WriteDisposition.Upsert;
        StagingRoot = StagingFiles.Root(options.ConnectionString, options.StagingDirectory, map.Table);
        AppliedTable = map.Table + "__bk_applied";
        FenceTable = map.Table + "__bk_fence";
        LockTimeout = options.LockTimeout;
        Dedupe = map.Key.Count == 0
            ? string.Empty
            : $" QUALIFY row_number() OVER (PARTITION BY {string.Join(", ", map.Key.Select(k => k.Quoted))} ORDER BY {Sql.Quote(SequenceColumn)} DESC) = 1";
    }

    public TableMap<T> Map { get; }

    public string ConnectionString { get; }

    public WriteDisposition Disposition { get; }

    public Func<SinkContext, DuckDbSlice>? Slice { get; }

    public Func<RunKey, DuckDbSlice>? RunSlice { get; }

    /// <summary>Gets the folder of the Parquet staging files, one folder per run and partition.</summary>
    public string StagingRoot { get; }

    /// <summary>Gets the partition tags recorded as applied, read when the tables were prepared and kept up to date by this process.</summary>
    public HashSet<string> AppliedTags { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets the table that records which partition tags were applied (replaced, or merged with Upsert).</summary>
    public string AppliedTable { get; }

    /// <summary>Gets the table that records, per (run, partition), the highest epoch that wrote the target or staging.</summary>
    public string FenceTable { get; }

    /// <summary>Gets how long an operation waits for a database file locked by another process.</summary>
    public TimeSpan LockTimeout { get; }

    /// <summary>Gets the QUALIFY clause keeping the last staged row per key, or empty without a key.</summary>
    public string Dedupe { get; }

    /// <summary>Gets the lock serializing table preparation and set-based applies of this sink's writers.</summary>
    public SemaphoreSlim ApplyLock { get; } = new(1, 1);

    public static string Tag(SinkContext context) => RunTagPrefix(context.RunKey) + context.Partition.Id;

    /// <summary>Gets the prefix of every partition tag of a run.</summary>
    public static string RunTagPrefix(RunKey runKey) => runKey.ShortValue + "/";

    /// <summary>Gets the tag that marks a whole run as applied (partition ids never contain '*').</summary>
    public static string RunTag(RunKey runKey) => RunTagPrefix(runKey) + "*";

    /// <summary>
    /// Opens the database for one short operation (the file is never held open between operations, so a paused process
    /// cannot block a takeover for longer than the operation it was paused in), waiting for a lock held by another
    /// process for up to <see cref="LockTimeout"/>.
    /// </summary>
    public ValueTask<DuckDBConnection> OpenAsync(FencingToken fence, CancellationToken cancellationToken) =>
        Db.OpenForWriteAsync(ConnectionString, LockTimeout, fence, Map.Table, cancellationToken);

    /// <summary>
    /// Opens a connection to the shared in-memory DuckDB that converts buffered records to Parquet staging files. One
    /// connection stays open for the sink's lifetime, so the instance is not created again for every writer.
    /// </summary>
    public DuckDBConnection OpenMemory()
    {
        lock (_memoryLock)
        {
            _memoryKeepAlive ??= Db.Open(MemoryConnectionString);
        }

        return Db.Open(MemoryConnectionString);
    }

    /// <summary>Closes the connection that keeps the in-memory DuckDB alive.</summary>
    public async ValueTask CloseMemoryAsync()
    {
        DuckDBConnection? keepAlive;
        lock (_memoryLock)
        {
            keepAlive = _memoryKeepAlive;
            _memoryKeepAlive = null;
        }

        if (keepAlive is not null)
        {
            await keepAlive.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Checks the fence of (run, partition) inside the caller's transaction: refuses when a later epoch has written
    /// the table, otherwise records the token's epoch, so a later check by a lower epoch refuses. Call in the same
    /// transaction as the write it guards. Partition id <see cref="RunFencePartition"/> fences the run-level publish.
    /// </summary>
    /// <exception cref="LeaseLostException">A higher epoch is recorded; the caller's transaction must roll back.</exception>
    public void CheckFence(DuckDBConnection connection, RunKey runKey, string partitionId, FencingToken fence, CancellationToken cancellationToken)
    {
        var key = new[] { new KeyValuePair<string, object?>("bk_run_key", runKey.Value), new KeyValuePair<string, object?>("bk_partition_id", partitionId) };
        using var command = Db.Create(connection, $"SELECT epoch FROM {Sql.Quote(FenceTable)} WHERE run_key = $bk_run_key AND partition_id = $bk_partition_id", [key]);
        var recorded = Db.Run(command, static c => c.ExecuteScalar(), cancellationToken) is { } value and not DBNull
            ? Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)
            : (long?)null;
        if (recorded > fence.Epoch)
        {
            var what = partitionId.Length == 0 ? "the run-level publish" : $"partition '{partitionId}'";
            throw new LeaseLostException(
                $"DuckDB table '{Map.Table}' was written for run {runKey}, {what}, at epoch {recorded.Value}, later than this attempt's epoch {fence.Epoch} ({fence.Owner}): " +
                "the lease was taken over, so this attempt stops without changing the table.")
            {
                IsTransient = false,
                JobName = runKey.JobName,
                PartitionId = partitionId.Length == 0 ? null : partitionId,
            };
        }

        if (recorded != fence.Epoch)
        {
            Db.Execute(
                connection,
                $"INSERT INTO {Sql.Quote(FenceTable)} (run_key, partition_id, epoch, owner) VALUES ($bk_run_key, $bk_partition_id, $bk_epoch, $bk_owner) " +
                "ON CONFLICT (run_key, partition_id) DO UPDATE SET epoch = excluded.epoch, owner = excluded.owner, fenced_at = now()",
                cancellationToken,
                key,
                Db.Parameter("bk_epoch", fence.Epoch),
                Db.Parameter("bk_owner", fence.Owner));
        }
    }

    /// <summary>Gets a value indicating whether <see cref="Prepare"/> has run in this process.</summary>
    public bool Prepared => _prepared;

    /// <summary>Creates or checks the target table, the fence table and the applied table, and reads the applied tags. Call under <see cref="ApplyLock"/>.</summary>
    public void Prepare(DuckDBConnection connection, CancellationToken cancellationToken)
    {
        if (_prepared)
        {
            return;
        }

        if (_createTable)
        {
            Db.Execute(connection, Map.CreateTableSql(Map.Table, withKey: _createKey, temp: false, extraColumns: []), cancellationToken);
        }

        var found = Columns(connection, Map.Table, cancellationToken);
        if (found.Count == 0)
        {
            throw new InvalidOperationException(
                $"DuckDB table '{Map.Table}' does not exist in '{connection.DataSource}', and CreateTable is off; create it or turn CreateTable on.");
        }

        var missing = Map.Columns.Where(c => !found.ContainsKey(c.Name)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"DuckDB table '{Map.Table}' lacks the mapped column(s) {string.Join(", ", missing.Select(c => $"'{c.Name}' ({c.DuckDbType})"))}; " +
                $"found columns {string.Join(", ", found.Keys.Select(k => $"'{k}'"))}.");
        }

        Db.Execute(
            connection,
            $"CREATE TABLE IF NOT EXISTS {Sql.Quote(FenceTable)} (run_key VARCHAR NOT NULL, partition_id VARCHAR NOT NULL, epoch BIGINT NOT NULL, owner VARCHAR NOT NULL, " +
            "fenced_at TIMESTAMPTZ NOT NULL DEFAULT now(), PRIMARY KEY (run_key, partition_id))",
            cancellationToken);
        Db.Execute(
            connection,
            $"CREATE TABLE IF NOT EXISTS {Sql.Quote(AppliedTable)} ({Sql.Quote(PartitionColumn)} VARCHAR PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now(), row_count BIGINT NOT NULL)",
            cancellationToken);
        using var command = Db.Create(connection, $"SELECT {Sql.Quote(PartitionColumn)} FROM {Sql.Quote(AppliedTable)}", []);
        Db.Run(
            command,
            c =>
            {
                using var reader = c.ExecuteReader();
                while (reader.Read())
                {
                    AppliedTags.Add(reader.GetString(0));
                }

                return 0;
            },
            cancellationToken);

        _prepared = true;
    }

    /// <summary>
    /// Checks staged rows in one scan: how many fall outside the slice, and how many repeat a key of the mapping (0
    /// without a key). Throws naming the first duplicated key found, so a publish never loads a key twice.
    /// </summary>
    public long CheckStaged(DuckDBConnection connection, string source, DuckDbSlice slice, string what, CancellationToken cancellationToken)
    {
        var keys = string.Join(", ", Map.Key.Select(k => k.Quoted));
        var duplicates = Map.Key.Count == 0 ? "0" : Map.Key.Count == 1 ? $"count(*) - count(DISTINCT {keys})" : $"count(*) - count(DISTINCT ({keys}))";
        using var command = Db.Create(
            connection,
            $"SELECT count(*), count(*) FILTER (WHERE ({slice.Predicate}) IS NOT TRUE), {duplicates} FROM {source}",
            [slice.Parameters]);
        var (staged, outside, repeated) = Db.Run(
            command,
            static c =>
            {
                using var reader = c.ExecuteReader();
                reader.Read();
                return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
            },
            cancellationToken);
        if (outside > 0)
        {
            throw new InvalidDataException($"{what} staged {outside} of {staged} rows outside its slice of table '{Map.Table}': expected every row to satisfy '{slice.Predicate}'.");
        }

        if (repeated > 0)
        {
            using var example = Db.Create(connection, $"SELECT {keys}, count(*) FROM {source} GROUP BY {keys} HAVING count(*) > 1 LIMIT 1", []);
            var found = Db.Run(
                example,
                static c =>
                {
                    using var reader = c.ExecuteReader();
                    reader.Read();
                    return string.Join(", ", Enumerable.Range(0, reader.FieldCount - 1).Select(i => Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))) +
                        " (" + reader.GetInt64(reader.FieldCount - 1).ToString(System.Globalization.CultureInfo.InvariantCulture) + " times)";
                },
                cancellationToken);
            throw new InvalidDataException(
                $"{what} staged {repeated} rows that repeat a key of table '{Map.Table}' ({keys}), for example {found}: each key must be written once per slice.");
        }

        return staged;
    }

    /// <summary>Wraps a DuckDB failure with the table and partition.</summary>
    public BatchKitException Failure(string action, SinkContext context, Exception inner) =>
        new($"DuckDB sink of table '{Map.Table}' could not {action} partition '{context.Partition.Id}': {inner.Message}", inner)
        {
            PartitionId = context.Partition.Id,
        };

    private static Dictionary<string, string> Columns(DuckDBConnection connection, string table, CancellationToken cancellationToken)
    {
        using var command = Db.Create(
            connection,
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $t AND table_schema = current_schema() AND table_catalog = current_database() ORDER BY ordinal_position",
            [Db.Parameter("t", table)]);
        return Db.Run(
            command,
            static c =>
            {
                var columns = new Dictionary<string, string>(StringComparer.Ordinal);
                using var reader = c.ExecuteReader();
                while (reader.Read())
                {
                    columns[reader.GetString(0)] = reader.GetString(1);
                }

                return columns;
            },
            cancellationToken);
    }
}
