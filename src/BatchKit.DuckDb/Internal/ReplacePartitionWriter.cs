using DuckDB.NET.Data;

namespace BatchKit.DuckDb.Internal;

/// <summary>
/// Writes one partition attempt with <see cref="WriteDisposition.ReplacePartition"/>: the chunk's records are buffered in
/// memory; a commit opens the database and copies them, tagged with the run and partition and numbered, into the
/// persistent staging table in one fenced transaction; completion replaces the partition's slice of the target with
/// the staged rows in one fenced transaction and records the partition as applied. The database is open only during
/// these operations.
/// </summary>
internal sealed class ReplacePartitionWriter<T> : ISinkWriter<T>
{
    private readonly SinkCore<T> _core;
    private readonly SinkContext _context;
    private const string Stage = "bk_stage";

    private readonly DuckDbSlice _slice;
    private readonly string _tag;
    private readonly KeyValuePair<string, object?>[] _tagParameter;
    private readonly List<T> _buffer = [];
    private long _sequence;

    private ReplacePartitionWriter(SinkCore<T> core, SinkContext context, DuckDbSlice slice, long sequence)
    {
        _core = core;
        _context = context;
        _slice = slice;
        _tag = SinkCore<T>.Tag(context);
        _tagParameter = Db.Parameter(SinkCore<T>.TagParameter, _tag);
        _sequence = sequence;
    }

    private string Staging => Sql.Quote(_core.StagingTable);

    private static string OwnRows => $"{Sql.Quote(SinkCore<T>.PartitionColumn)} = ${SinkCore<T>.TagParameter}";

    public static async ValueTask<ISinkWriter<T>> OpenAsync(SinkCore<T> core, SinkContext context, CancellationToken cancellationToken)
    {
        var slice = core.Slice!(context)
            ?? throw new InvalidOperationException($"The slice function of the DuckDB sink of table '{core.Map.Table}' returned null for partition '{context.Partition.Id}'.");
        ArgumentException.ThrowIfNullOrWhiteSpace(slice.Predicate, "slice.Predicate");
        var writer = new ReplacePartitionWriter<T>(core, context, slice, context.ResumePosition ?? 0);
        await core.ApplyLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await core.OpenAsync(context.Fence, cancellationToken).ConfigureAwait(false);
            core.Prepare(connection, cancellationToken);
            writer.DiscardStale(connection, cancellationToken);
        }
        catch (DuckDBException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw core.Failure("open", context, e);
        }
        finally
        {
            core.ApplyLock.Release();
        }

        return writer;
    }

    public ValueTask WriteAsync(ReadOnlyMemory<T> records, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _buffer.AddRange(records.Span);
        _sequence += records.Length;
        return ValueTask.CompletedTask;
    }

    public async ValueTask<long> CommitAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_buffer.Count > 0)
        {
            await using var connection = await _core.OpenAsync(_context.Fence, cancellationToken).ConfigureAwait(false);
            await StageAsync(connection, cancellationToken).ConfigureAwait(false);
        }

        return _sequence;
    }

    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        if (_core.RunSlice is not null)
        {
            // The staged rows are durable; the run publishes them all when every partition has completed.
            await CommitAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        var fence = _context.Fence;
        fence.ThrowIfExpired();
        await using var connection = await _core.OpenAsync(fence, cancellationToken).ConfigureAwait(false);
        if (_buffer.Count > 0)
        {
            await StageAsync(connection, cancellationToken).ConfigureAwait(false);
        }

        await _core.ApplyLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            fence.ThrowIfExpired();
            using var transaction = connection.BeginTransaction();
            _core.CheckFence(connection, _context.RunKey, _context.Partition.Id, fence, cancellationToken);
            var staged = Db.Count(connection, $"SELECT count(*) FROM {Staging} WHERE {OwnRows}", cancellationToken, _tagParameter);
            var applied = Db.Count(connection, $"SELECT count(*) FROM {Sql.Quote(_core.AppliedTable)} WHERE {OwnRows}", cancellationToken, _tagParameter);
            if (applied > 0)
            {
                if (staged > 0)
                {
                    throw new InvalidOperationException(
                        $"Partition '{_context.Partition.Id}' of table '{_core.Map.Table}' was already applied, yet {staged} more rows were staged; " +
                        "a partition that writes again must be opened with ResumePosition null.");
                }

                return; // A repeated completion: the slice already holds this partition's rows.
            }

            var outside = Db.Count(
                connection, $"SELECT count(*) FROM {Staging} WHERE {OwnRows} AND ({_slice.Predicate}) IS NOT TRUE", cancellationToken, _tagParameter, _slice.Parameters);
            if (outside > 0)
            {
                throw new InvalidDataException(
                    $"Partition '{_context.Partition.Id}' wrote {outside} of {staged} rows outside its slice of table '{_core.Map.Table}': " +
                    $"expected every row to satisfy '{_slice.Predicate}'.");
            }

            var map = _core.Map;
            Db.Execute(connection, $"DELETE FROM {map.QuotedTable} WHERE {_slice.Predicate}", cancellationToken, _slice.Parameters);
            Db.Execute(
                connection, $"INSERT INTO {map.QuotedTable} ({map.ColumnList}) SELECT {map.ColumnList} FROM {Staging} WHERE {OwnRows}{_core.Dedupe}", cancellationToken, _tagParameter);
            Db.Execute(connection, $"DELETE FROM {Staging} WHERE {OwnRows}", cancellationToken, _tagParameter);
            Db.Execute(
                connection,
                $"INSERT INTO {Sql.Quote(_core.AppliedTable)} ({Sql.Quote(SinkCore<T>.PartitionColumn)}, row_count) VALUES (${SinkCore<T>.TagParameter}, $bk_rows)",
                cancellationToken,
                _tagParameter,
                Db.Parameter("bk_rows", staged));
            transaction.Commit();
        }
        catch (DuckDBException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw _core.Failure("replace the slice of", _context, e);
        }
        finally
        {
            _core.ApplyLock.Release();
        }
    }

    public ValueTask DisposeAsync()
    {
        // Uncommitted records are discarded: they were only buffered. Staged rows past the last checkpoint's position
        // (a commit whose checkpoint was not written) are deleted when the partition is opened again.
        _buffer.Clear();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Deletes what an earlier attempt left: from the start (all staged rows and the applied mark), or from a
    /// checkpoint (staged rows numbered at or after it, which were written after the last checkpoint).
    /// </summary>
    private void DiscardStale(DuckDBConnection connection, CancellationToken cancellationToken)
    {
        var applied = Sql.Quote(_core.AppliedTable);
        var tagColumn = Sql.Quote(SinkCore<T>.PartitionColumn);
        var runTag = Db.Parameter("bk_run", SinkCore<T>.RunTag(_context.RunKey));
        var from = Db.Parameter("bk_from", _context.ResumePosition ?? 0);
        var stale = $"{OwnRows} AND {Sql.Quote(SinkCore<T>.SequenceColumn)} >= $bk_from";
        var marks = $"{tagColumn} = ${SinkCore<T>.TagParameter} OR {tagColumn} = $bk_run";

        // Reads first: a fresh partition has nothing to discard, and skipping the empty write transaction saves a commit.
        var staleRows = Db.Count(connection, $"SELECT count(*) FROM {Staging} WHERE {stale}", cancellationToken, _tagParameter, from);
        var staleMarks = _context.ResumePosition is null
            ? Db.Count(connection, $"SELECT count(*) FROM {applied} WHERE {marks}", cancellationToken, _tagParameter, runTag)
            : 0;
        if (staleRows == 0 && staleMarks == 0)
        {
            return;
        }

        _context.Fence.ThrowIfExpired();
        using var transaction = connection.BeginTransaction();
        _core.CheckFence(connection, _context.RunKey, _context.Partition.Id, _context.Fence, cancellationToken);
        Db.Execute(connection, $"DELETE FROM {Staging} WHERE {stale}", cancellationToken, _tagParameter, from);
        if (_context.ResumePosition is null)
        {
            // A partition written again from its start means its slice (and, with a run slice, the run) publishes again.
            Db.Execute(connection, $"DELETE FROM {applied} WHERE {marks}", cancellationToken, _tagParameter, runTag);
        }

        transaction.Commit();
    }

    /// <summary>
    /// Copies the buffered records into the staging table: appended to a TEMP table of the connection, then inserted
    /// into staging in one fenced transaction, so a stale attempt cannot add rows after a later epoch discarded them.
    /// </summary>
    private async ValueTask StageAsync(DuckDBConnection connection, CancellationToken cancellationToken)
    {
        var fence = _context.Fence;
        fence.ThrowIfExpired();
        var first = _sequence - _buffer.Count;
        try
        {
            Db.Execute(connection, _core.Map.CreateTableSql(Stage, withKey: false, temp: true, extraColumns: SinkCore<T>.StagingExtraColumns), cancellationToken);
            using (var appender = connection.CreateAppender("temp", "main", Stage))
            {
                var append = _core.Map.Append;
                var sequence = first;
                foreach (var record in _buffer)
                {
                    append(appender.CreateRow(), record).AppendValue(_tag).AppendValue(sequence++).EndRow();
                }

                appender.Close();
            }

            await _core.ApplyLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                fence.ThrowIfExpired();
                using var transaction = connection.BeginTransaction();
                _core.CheckFence(connection, _context.RunKey, _context.Partition.Id, fence, cancellationToken);
                Db.Execute(connection, $"INSERT INTO {Staging} SELECT * FROM temp.main.{Stage}", cancellationToken);
                transaction.Commit();
            }
            finally
            {
                _core.ApplyLock.Release();
            }

            Db.Execute(connection, $"DROP TABLE temp.main.{Stage}", cancellationToken);
        }
        catch (DuckDBException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw _core.Failure("stage the rows of", _context, e);
        }

        _buffer.Clear();
    }
}
