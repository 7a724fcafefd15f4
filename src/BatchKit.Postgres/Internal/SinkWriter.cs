using Npgsql;

namespace BatchKit.Postgres.Internal;

/// <summary>
/// Writes one partition attempt: buffers a chunk, and at commit copies it (binary COPY) into a temporary table and
/// merges it into the target in one transaction that first checks the fence. A crash or a broken connection at any
/// point before COMMIT leaves nothing behind; a commit whose outcome is unknown is repeated by a writer opened at the
/// previous position, which the ordinal guards make harmless.
/// </summary>
internal sealed class SinkWriter<T> : ICheckpointingSinkWriter<T>
{
    private const string Stage = "bk_stage";

    private readonly SinkCore<T> _core;
    private readonly SinkContext _context;
    private readonly List<T> _buffer = [];
    private long _position;
    private bool _discardAfterCheckpointPending;

    private SinkWriter(SinkCore<T> core, SinkContext context)
    {
        _core = core;
        _context = context;
        _position = context.ResumePosition ?? 0;

        // Append and ReplacePartition drop what an earlier attempt wrote past the checkpoint, in the first transaction.
        _discardAfterCheckpointPending = core.Disposition != WriteDisposition.Upsert;
    }

    public static async ValueTask<ISinkWriter<T>> OpenAsync(SinkCore<T> core, SinkContext context, CancellationToken cancellationToken)
    {
        // Opening changes nothing: the tables are created or checked, once per sink.
        await core.PrepareAsync(context, cancellationToken).ConfigureAwait(false);
        return new SinkWriter<T>(core, context);
    }

    public ValueTask WriteAsync(ReadOnlyMemory<T> records, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _buffer.AddRange(records.Span);
        return ValueTask.CompletedTask;
    }

    public ValueTask<long> CommitAsync(CancellationToken cancellationToken) => CommitAsync(null, cancellationToken);

    /// <summary>A store on the same database, as the same user, holds its checkpoints in the chunk's transaction (unless turned off).</summary>
    public bool CanCommitCheckpointsOf(ICheckpointStore store) =>
        _core.CommitCheckpointWithChunk && _core.Disposition != WriteDisposition.ReplacePartition && store is PostgresCheckpointStore postgres && postgres.SharesDatabaseWith(_core.DataSource);

    // The checkpoint, when given, is written last, just before COMMIT: the partition row stays locked (renewals and
    // claims of it wait or skip it) only for the end of the transaction.
    public async ValueTask<long> CommitAsync(ChunkCheckpoint? checkpoint, CancellationToken cancellationToken)
    {
        if (_buffer.Count == 0 && !_discardAfterCheckpointPending && checkpoint is null)
        {
            return _position;
        }

        var store = checkpoint?.Store as PostgresCheckpointStore;
        if (checkpoint is not null && (store is null || !CanCommitCheckpointsOf(store)))
        {
            throw new InvalidOperationException($"The PostgreSQL sink of table '{_core.Map.Table}' cannot write checkpoints of a {checkpoint.Store.GetType().Name} in its transactions.");
        }

        var fence = _context.Fence;
        fence.ThrowIfExpired();
        try
        {
            if (store is not null)
            {
                await store.MigrateAsync(cancellationToken).ConfigureAwait(false);
            }

            await using var lease = await _core.OpenAsync(cancellationToken).ConfigureAwait(false);
            var connection = lease.Connection;
            await using var transaction = await SinkCore<T>.BeginAsync(connection, _context, cancellationToken).ConfigureAwait(false);
            if (_buffer.Count > 0)
            {
                await CopyToStageAsync(connection, cancellationToken).ConfigureAwait(false);
            }

            fence.ThrowIfExpired();
            await _core.CheckFenceAsync(connection, _context, cancellationToken).ConfigureAwait(false);
            if (_discardAfterCheckpointPending)
            {
                await DiscardAfterCheckpointAsync(connection, cancellationToken).ConfigureAwait(false);
            }

            if (_buffer.Count > 0)
            {
                await MergeAsync(connection, cancellationToken).ConfigureAwait(false);
            }

            if (store is not null)
            {
                await store.CommitChunkInAsync(connection, checkpoint!.Lease, checkpoint.At(_position + _buffer.Count), checkpoint.Errors, cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw _core.Failure(_core.Disposition == WriteDisposition.Upsert ? "upsert" : "write", _context, e);
        }

        _discardAfterCheckpointPending = false;
        _position += _buffer.Count;
        _buffer.Clear();
        return _position;
    }

    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        await CommitAsync(cancellationToken).ConfigureAwait(false);
        if (_core.Disposition == WriteDisposition.ReplacePartition)
        {
            await PublishAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public ValueTask DisposeAsync()
    {
        // Uncommitted records are discarded: they were only buffered.
        _buffer.Clear();
        return ValueTask.CompletedTask;
    }

    // Binary COPY of the buffered chunk into a temporary table dropped at commit, with each record's sequence in the chunk.
    private async Task CopyToStageAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var map = _core.Map;
        await SinkCore<T>.ExecuteAsync(
            connection,
            $"CREATE TEMP TABLE {Stage} ON COMMIT DROP AS SELECT {map.ColumnList}, 0::bigint AS {SinkCore<T>.SequenceColumn} FROM {map.QuotedTable} WITH NO DATA",
            cancellationToken).ConfigureAwait(false);
        var copiers = _core.Copiers;
        await using var importer = await connection.BeginBinaryImportAsync($"COPY {Stage} ({map.ColumnList}, {SinkCore<T>.SequenceColumn}) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
        long sequence = 0;
        foreach (var record in _buffer)
        {
            await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < copiers.Count; i++)
            {
                try
                {
                    await copiers[i].WriteAsync(importer, record, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is InvalidCastException or NotSupportedException or ArgumentException)
                {
                    throw CannotWrite(i, record, sequence, e);
                }
            }

            await importer.WriteAsync(sequence++, "bigint", cancellationToken).ConfigureAwait(false);
        }

        await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    private BatchKitException CannotWrite(int index, T record, long sequence, Exception e)
    {
        var column = _core.Map.Columns[index];
        var value = column.Get(record!);
        return new BatchKitException(
            $"PostgreSQL sink of table '{_core.Map.Table}' cannot write {typeof(T).Name}.{column.Property.Name} ({value?.GetType().Name ?? "null"}) of record {_position + sequence} "
            + $"of partition '{_context.Partition.Id}' to column '{column.Name}' of type {_core.DataTypes[index]}: {e.Message}",
            e)
        {
            JobName = _context.RunKey.JobName,
            PartitionId = _context.Partition.Id,
            IsTransient = false,
        };
    }

    private async Task DiscardAfterCheckpointAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var (table, column) = _core.Disposition == WriteDisposition.Append
            ? (_core.Map.QuotedTable, SinkCore<T>.OrdinalColumn)
            : (_core.StagingTable, SinkCore<T>.SequenceColumn);
        await SinkCore<T>.ExecuteAsync(
            connection,
            $"DELETE FROM {table} WHERE {SinkCore<T>.RunColumn} = @bk_run AND {SinkCore<T>.PartitionColumn} = @bk_partition AND {column} >= @bk_from",
            cancellationToken,
            ("bk_run", _context.RunKey.Value),
            ("bk_partition", _context.Partition.Id),
            ("bk_from", _position)).ConfigureAwait(false);
        if (_core.Disposition == WriteDisposition.ReplacePartition && _context.ResumePosition is null)
        {
            // The partition starts over: its slice is published again when it completes.
            await SinkCore<T>.ExecuteAsync(
                connection,
                $"UPDATE {_core.FenceTable} SET published = false WHERE run_key = @bk_run AND partition_id = @bk_partition",
                cancellationToken,
                ("bk_run", _context.RunKey.Value),
                ("bk_partition", _context.Partition.Id)).ConfigureAwait(false);
        }
    }

    // Most chunks hold each key once: they are merged straight from the stage, under a savepoint. A chunk that holds a
    // key twice makes PostgreSQL refuse the statement (21000: ON CONFLICT DO UPDATE cannot change a row twice); it is
    // rolled back to the savepoint and merged again with the last record of each key only, so the last one wins.
    private async Task<int> UpsertAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var map = _core.Map;
        var key = string.Join(", ", map.Key.Select(k => k.Quoted));
        var update = map.Columns.Where(c => !map.Key.Contains(c)).Select(c => $"{c.Quoted} = excluded.{c.Quoted}").ToList();
        var conflict = $"ON CONFLICT ({key}) " + (update.Count == 0 ? "DO NOTHING" : "DO UPDATE SET " + string.Join(", ", update));
        if (update.Count == 0)
        {
            // Every column is the key: records of one key are equal, and DO NOTHING keeps one of them.
            return await SinkCore<T>.ExecuteAsync(connection, $"INSERT INTO {map.QuotedTable} ({map.ColumnList}) SELECT {map.ColumnList} FROM {Stage} {conflict}", cancellationToken).ConfigureAwait(false);
        }

        try
        {
            return await SinkCore<T>.ExecuteAsync(connection, $"SAVEPOINT bk_merge; INSERT INTO {map.QuotedTable} ({map.ColumnList}) SELECT {map.ColumnList} FROM {Stage} {conflict}", cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.CardinalityViolation)
        {
            await SinkCore<T>.ExecuteAsync(connection, "ROLLBACK TO SAVEPOINT bk_merge", cancellationToken).ConfigureAwait(false);
            return await SinkCore<T>.ExecuteAsync(
                connection,
                $"INSERT INTO {map.QuotedTable} ({map.ColumnList}) SELECT {map.ColumnList} FROM (SELECT DISTINCT ON ({key}) * FROM {Stage} ORDER BY {key}, {SinkCore<T>.SequenceColumn} DESC) AS last {conflict}",
                cancellationToken).ConfigureAwait(false);
        }
    }

    private Task<int> MergeAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var map = _core.Map;
        var seq = SinkCore<T>.SequenceColumn;
        switch (_core.Disposition)
        {
            case WriteDisposition.Upsert:
                return UpsertAsync(connection, cancellationToken);
            case WriteDisposition.Append:
                return SinkCore<T>.ExecuteAsync(
                    connection,
                    $"INSERT INTO {map.QuotedTable} ({map.ColumnList}, {SinkCore<T>.RunColumn}, {SinkCore<T>.PartitionColumn}, {SinkCore<T>.OrdinalColumn}) "
                    + $"SELECT {map.ColumnList}, @bk_run, @bk_partition, @bk_base + {seq} FROM {Stage} ORDER BY {seq} "
                    + $"ON CONFLICT ({SinkCore<T>.RunColumn}, {SinkCore<T>.PartitionColumn}, {SinkCore<T>.OrdinalColumn}) DO NOTHING",
                    cancellationToken,
                    ("bk_run", _context.RunKey.Value),
                    ("bk_partition", _context.Partition.Id),
                    ("bk_base", _position));
            default:
                return SinkCore<T>.ExecuteAsync(
                    connection,
                    $"INSERT INTO {_core.StagingTable} ({map.ColumnList}, {SinkCore<T>.RunColumn}, {SinkCore<T>.PartitionColumn}, {seq}) "
                    + $"SELECT {map.ColumnList}, @bk_run, @bk_partition, @bk_base + {seq} FROM {Stage} "
                    + $"ON CONFLICT ({SinkCore<T>.RunColumn}, {SinkCore<T>.PartitionColumn}, {seq}) DO NOTHING",
                    cancellationToken,
                    ("bk_run", _context.RunKey.Value),
                    ("bk_partition", _context.Partition.Id),
                    ("bk_base", _position));
        }
    }

    // Replaces the partition's slice of the target with its staged rows, in one fenced transaction; repeating it after
    // it committed changes nothing (the fence row records the slice as published).
    private async Task PublishAsync(CancellationToken cancellationToken)
    {
        var fence = _context.Fence;
        var slice = _core.Slice!(_context);
        try
        {
            await using var lease = await _core.OpenAsync(cancellationToken).ConfigureAwait(false);
            var connection = lease.Connection;
            await using var transaction = await SinkCore<T>.BeginAsync(connection, _context, cancellationToken).ConfigureAwait(false);
            fence.ThrowIfExpired();
            if (await _core.CheckFenceAsync(connection, _context, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            var map = _core.Map;
            await using (var delete = Pg.Command(connection, $"DELETE FROM {map.QuotedTable} WHERE {slice.Predicate}", slice.Parameters.Select(p => (p.Key, p.Value)).ToArray()))
            {
                await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            var parameters = new (string, object?)[] { ("bk_run", _context.RunKey.Value), ("bk_partition", _context.Partition.Id) };
            var owned = $"{SinkCore<T>.RunColumn} = @bk_run AND {SinkCore<T>.PartitionColumn} = @bk_partition";
            await SinkCore<T>.ExecuteAsync(
                connection,
                $"INSERT INTO {map.QuotedTable} ({map.ColumnList}) SELECT {map.ColumnList} FROM {_core.StagingTable} WHERE {owned} ORDER BY {SinkCore<T>.SequenceColumn}; "
                + $"DELETE FROM {_core.StagingTable} WHERE {owned}; "
                + $"UPDATE {_core.FenceTable} SET published = true WHERE run_key = @bk_run AND partition_id = @bk_partition",
                cancellationToken,
                parameters).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw _core.Failure("replace the slice of", _context, e);
        }
    }
}
