using System.Globalization;
using Npgsql;

namespace BatchKit.Postgres.Internal;

/// <summary>The state a <see cref="PostgresSink{T}"/> shares between its writers: the table map, the connection budget and the side tables.</summary>
internal sealed class SinkCore<T> : IDisposable
{
    /// <summary>The guard and staging column holding the RunKey hash.</summary>
    public const string RunColumn = "_bk_run_key";

    /// <summary>The guard and staging column holding the partition id.</summary>
    public const string PartitionColumn = "_bk_partition";

    /// <summary>The guard column of Append: the record's ordinal within its partition.</summary>
    public const string OrdinalColumn = "_bk_ordinal";

    /// <summary>The staging column holding the record's ordinal within its partition.</summary>
    public const string SequenceColumn = "_bk_seq";

    private readonly SemaphoreSlim _prepareLock = new(1, 1);
    private readonly bool _createTable;
    private string[]? _dataTypes;
    private ColumnCopier<T>[]? _copiers;

    public SinkCore(TableMap<T> map, NpgsqlDataSource dataSource, PostgresSinkOptions options)
    {
        Map = map;
        DataSource = dataSource;
        Disposition = options.Disposition;
        Slice = options.Slice;
        _createTable = options.CreateTable;
        CommitCheckpointWithChunk = options.CommitCheckpointWithChunk;
        Budget = new SemaphoreSlim(options.MaxConnections, options.MaxConnections);
        FenceTable = Pg.QuoteQualified(map.Table + "__bk_fence");
        StagingTable = Pg.QuoteQualified(map.Table + "__bk_stage");
        Server = Pg.Describe(dataSource);
    }

    public TableMap<T> Map { get; }

    public NpgsqlDataSource DataSource { get; }

    public WriteDisposition Disposition { get; }

    public Func<SinkContext, PostgresSlice>? Slice { get; }

    /// <summary>Gets a value indicating whether chunks are committed with their checkpoint when the store shares the database.</summary>
    public bool CommitCheckpointWithChunk { get; }

    /// <summary>Begins a transaction whose session the server ends once it sits idle in it for longer than the attempt's lease.</summary>
    public static async ValueTask<NpgsqlTransaction> BeginAsync(NpgsqlConnection connection, SinkContext context, CancellationToken cancellationToken)
    {
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await Pg.LimitIdleInTransactionAsync(connection, context.Fence.LeaseDuration, cancellationToken).ConfigureAwait(false);
            return transaction;
        }
        catch
        {
            await transaction.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Gets the connection budget of the sink's writers.</summary>
    public SemaphoreSlim Budget { get; }

    /// <summary>Gets the table recording, per (run, partition), the highest epoch that wrote the target or staging, and whether the partition's slice was published.</summary>
    public string FenceTable { get; }

    /// <summary>Gets the unlogged table that holds ReplacePartition rows until their partition completes.</summary>
    public string StagingTable { get; }

    /// <summary>Gets the server, named without credentials.</summary>
    public string Server { get; }

    /// <summary>Gets the data type names of the mapped columns, in mapping order, read from the target table.</summary>
    public IReadOnlyList<string> DataTypes => _dataTypes ?? throw new InvalidOperationException("The sink's tables were not prepared.");

    /// <summary>Gets the typed writers of the mapped columns into a COPY row, in column order (once prepared).</summary>
    public IReadOnlyList<ColumnCopier<T>> Copiers => _copiers ?? throw new InvalidOperationException("The sink's tables were not prepared.");

    /// <summary>Opens a connection within the budget; dispose the lease to give it back.</summary>
    public async ValueTask<BudgetedConnection> OpenAsync(CancellationToken cancellationToken)
    {
        await Budget.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            return new BudgetedConnection(connection, Budget);
        }
        catch
        {
            Budget.Release();
            throw;
        }
    }

    /// <summary>Creates or checks the target table and the side tables, once per sink, under an advisory lock shared with other processes.</summary>
    public async ValueTask PrepareAsync(SinkContext context, CancellationToken cancellationToken)
    {
        if (_dataTypes is not null)
        {
            return;
        }

        await _prepareLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_dataTypes is not null)
            {
                return;
            }

            await using var lease = await OpenAsync(cancellationToken).ConfigureAwait(false);
            var connection = lease.Connection;
            await using var transaction = await BeginAsync(connection, context, cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, "SELECT pg_advisory_xact_lock(hashtext(@bk_name))", cancellationToken, ("bk_name", "batchkit-sink:" + Map.Table)).ConfigureAwait(false);
            if (_createTable)
            {
                await ExecuteAsync(connection, CreateTableSql(), cancellationToken).ConfigureAwait(false);
            }

            var found = await ColumnsAsync(connection, cancellationToken).ConfigureAwait(false);
            if (found.Count == 0)
            {
                throw Definition($"PostgreSQL table '{Map.Table}' does not exist on {Server}, and CreateTable is off; create it or turn PostgresSinkOptions.CreateTable on.");
            }

            var required = Map.Columns.Select(c => c.Name).ToList();
            if (Disposition == WriteDisposition.Append)
            {
                required.AddRange([RunColumn, PartitionColumn, OrdinalColumn]);
            }

            var missing = required.Where(c => !found.ContainsKey(c)).ToList();
            if (missing.Count > 0)
            {
                throw Definition(
                    $"PostgreSQL table '{Map.Table}' lacks the column(s) {string.Join(", ", missing.Select(c => $"'{c}'"))} that the sink writes; "
                    + $"found columns {string.Join(", ", found.Keys.Select(k => $"'{k}'"))}."
                    + (Disposition == WriteDisposition.Append ? $" Append needs {RunColumn} text, {PartitionColumn} text and {OrdinalColumn} bigint, unique together." : string.Empty));
            }

            await ExecuteAsync(
                connection,
                $"CREATE TABLE IF NOT EXISTS {FenceTable} (run_key text NOT NULL, partition_id text NOT NULL, epoch bigint NOT NULL, owner text NOT NULL, "
                + "published boolean NOT NULL DEFAULT false, fenced_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (run_key, partition_id))",
                cancellationToken).ConfigureAwait(false);
            if (Disposition == WriteDisposition.ReplacePartition)
            {
                await ExecuteAsync(
                    connection,
                    $"CREATE UNLOGGED TABLE IF NOT EXISTS {StagingTable} AS SELECT {Map.ColumnList}, ''::text AS {RunColumn}, ''::text AS {PartitionColumn}, 0::bigint AS {SequenceColumn} FROM {Map.QuotedTable} WITH NO DATA; "
                    + $"CREATE UNIQUE INDEX IF NOT EXISTS {Pg.Quote(IndexName("stage"))} ON {StagingTable} ({RunColumn}, {PartitionColumn}, {SequenceColumn})",
                    cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            var dataTypes = Map.Columns.Select(c => found[c.Name]).ToArray();
            _copiers = Map.Columns.Select((c, i) => ColumnCopier<T>.Create(c, dataTypes[i])).ToArray();
            _dataTypes = dataTypes;
        }
        catch (NpgsqlException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw Failure("prepare the tables for", context, e);
        }
        finally
        {
            _prepareLock.Release();
        }
    }

    /// <summary>
    /// Checks the fence of (run, partition) inside the caller's transaction and locks its row until the transaction
    /// ends: refuses when a later epoch has written the table, otherwise records the token's epoch. Returns whether the
    /// partition's slice is recorded as published.
    /// </summary>
    /// <exception cref="LeaseLostException">A higher epoch is recorded; the caller's transaction must roll back.</exception>
    public async ValueTask<bool> CheckFenceAsync(NpgsqlConnection connection, SinkContext context, CancellationToken cancellationToken)
    {
        var fence = context.Fence;
        await using (var command = Pg.Command(
            connection,
            $"""
            INSERT INTO {FenceTable} AS f (run_key, partition_id, epoch, owner) VALUES (@bk_run, @bk_partition, @bk_epoch, @bk_owner)
            ON CONFLICT (run_key, partition_id) DO UPDATE SET epoch = excluded.epoch, owner = excluded.owner, fenced_at = now()
            WHERE f.epoch <= excluded.epoch
            RETURNING f.published
            """,
            ("bk_run", context.RunKey.Value),
            ("bk_partition", context.Partition.Id),
            ("bk_epoch", fence.Epoch),
            ("bk_owner", fence.Owner)))
        {
            if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is bool published)
            {
                return published;
            }
        }

        await using var read = Pg.Command(connection, $"SELECT epoch, owner FROM {FenceTable} WHERE run_key = @bk_run AND partition_id = @bk_partition", ("bk_run", context.RunKey.Value), ("bk_partition", context.Partition.Id));
        await using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var (epoch, owner) = await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? (reader.GetInt64(0), reader.GetString(1)) : (-1L, "(unknown)");
        throw new LeaseLostException(
            $"PostgreSQL table '{Map.Table}' was written for run {context.RunKey}, partition '{context.Partition.Id}', at epoch {epoch.ToString(CultureInfo.InvariantCulture)} by {owner}, "
            + $"later than this attempt's epoch {fence.Epoch.ToString(CultureInfo.InvariantCulture)} ({fence.Owner}): the lease was taken over, so this attempt stops without changing the table.")
        {
            IsTransient = false,
            JobName = context.RunKey.JobName,
            PartitionId = context.Partition.Id,
        };
    }

    /// <summary>Wraps a PostgreSQL failure with the table, partition and server.</summary>
    public BatchKitException Failure(string action, SinkContext context, NpgsqlException inner) =>
        new($"PostgreSQL sink of table '{Map.Table}' on {Server} could not {action} partition '{context.Partition.Id}': {inner.Message}", inner)
        {
            JobName = context.RunKey.JobName,
            PartitionId = context.Partition.Id,
            IsTransient = Transient.Is(inner),
        };

    public static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Pg.Command(connection, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private string IndexName(string suffix)
    {
        var table = Map.Table[(Map.Table.LastIndexOf('.') + 1)..];
        return "ix_" + (table.Length > 40 ? table[..40] : table) + "__bk_" + suffix;
    }

    private string CreateTableSql()
    {
        var columns = new List<string>();
        foreach (var column in Map.Columns)
        {
            var type = TableMap<T>.SqlType(column.Property.PropertyType)
                ?? throw Definition($"CreateTable cannot choose a PostgreSQL type for {typeof(T).Name}.{column.Property.Name} ({column.Property.PropertyType.Name}); create table '{Map.Table}' yourself.");
            columns.Add($"{column.Quoted} {type.Type}{(type.NotNull ? " NOT NULL" : string.Empty)}");
        }

        if (Disposition == WriteDisposition.Append)
        {
            columns.Add($"{RunColumn} text NOT NULL");
            columns.Add($"{PartitionColumn} text NOT NULL");
            columns.Add($"{OrdinalColumn} bigint NOT NULL");
            columns.Add($"UNIQUE ({RunColumn}, {PartitionColumn}, {OrdinalColumn})");
        }

        if (Map.Key.Count > 0)
        {
            columns.Add($"PRIMARY KEY ({string.Join(", ", Map.Key.Select(k => k.Quoted))})");
        }

        return $"CREATE TABLE IF NOT EXISTS {Map.QuotedTable} ({string.Join(", ", columns)})";
    }

    // Column name -> data type name (as Npgsql's binary COPY takes it), of the target table.
    private async Task<Dictionary<string, string>> ColumnsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = Pg.Command(
            connection,
            "SELECT a.attname, format_type(a.atttypid, NULL) FROM pg_attribute a WHERE a.attrelid = to_regclass(@bk_table) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
            ("bk_table", Map.QuotedTable));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var columns = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            columns[reader.GetString(0)] = reader.GetString(1);
        }

        return columns;
    }

    public void Dispose()
    {
        _prepareLock.Dispose();
        Budget.Dispose();
    }

    private static BatchKitException Definition(string message) => new(message) { IsTransient = false };
}

/// <summary>A connection taken from a sink's budget; disposing it closes the connection and gives the slot back.</summary>
internal sealed class BudgetedConnection(NpgsqlConnection connection, SemaphoreSlim budget) : IAsyncDisposable
{
    public NpgsqlConnection Connection { get; } = connection;

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Connection.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            budget.Release();
        }
    }
}
