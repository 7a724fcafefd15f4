using DuckDB.NET.Data;

namespace BatchKit.DuckDb.Internal;

/// <summary>
/// Writes one partition attempt with <see cref="WriteDisposition.ReplacePartition"/>: rows are appended to the
/// persistent staging table, tagged with the run and partition and numbered; a commit makes them durable; completion
/// replaces the partition's slice of the target with them in one transaction and records the partition as applied.
/// </summary>
internal sealed class ReplacePartitionWriter<T> : ISinkWriter<T>
{
    private readonly SinkCore<T> _core;
    private readonly SinkContext _context;
    private readonly DuckDBConnection _connection;
    private readonly DuckDbSlice _slice;
    private readonly string _tag;
    private readonly KeyValuePair<string, object?>[] _tagParameter;
    private DuckDBAppender? _appender;
    private long _sequence;

    private ReplacePartitionWriter(SinkCore<T> core, SinkContext context, DuckDBConnection connection, DuckDbSlice slice, long sequence)
    {
        _core = core;
        _context = context;
        _connection = connection;
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
        var connection = Db.Open(core.ConnectionString);
        try
        {
            var writer = new ReplacePartitionWriter<T>(core, context, connection, slice, context.ResumePosition ?? 0);
            await core.ApplyLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                core.Prepare(connection, cancellationToken);
                writer.DiscardStale(cancellationToken);
            }
            finally
            {
                core.ApplyLock.Release();
            }

            return writer;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public ValueTask WriteAsync(ReadOnlyMemory<T> records, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _appender ??= _connection.CreateAppender(_core.StagingTable);
        var append = _core.Map.Append;
        try
        {
            foreach (var record in records.Span)
            {
                append(_appender.CreateRow(), record).AppendValue(_tag).AppendValue(_sequence++).EndRow();
            }
        }
        catch (DuckDBException e)
        {
            throw _core.Failure("stage the rows of", _context, e);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<long> CommitAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Flush();
        return ValueTask.FromResult(_sequence);
    }

    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        Flush();
        if (_core.RunSlice is not null)
        {
            return; // The staged rows are durable; the run publishes them all when every partition has completed.
        }

        await _core.ApplyLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var transaction = _connection.BeginTransaction();
            var staged = Db.Count(_connection, $"SELECT count(*) FROM {Staging} WHERE {OwnRows}", cancellationToken, _tagParameter);
            var applied = Db.Count(_connection, $"SELECT count(*) FROM {Sql.Quote(_core.AppliedTable)} WHERE {OwnRows}", cancellationToken, _tagParameter);
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
                _connection, $"SELECT count(*) FROM {Staging} WHERE {OwnRows} AND ({_slice.Predicate}) IS NOT TRUE", cancellationToken, _tagParameter, _slice.Parameters);
            if (outside > 0)
            {
                throw new InvalidDataException(
                    $"Partition '{_context.Partition.Id}' wrote {outside} of {staged} rows outside its slice of table '{_core.Map.Table}': " +
                    $"expected every row to satisfy '{_slice.Predicate}'.");
            }

            var map = _core.Map;
            Db.Execute(_connection, $"DELETE FROM {map.QuotedTable} WHERE {_slice.Predicate}", cancellationToken, _slice.Parameters);
            Db.Execute(
                _connection, $"INSERT INTO {map.QuotedTable} ({map.ColumnList}) SELECT {map.ColumnList} FROM {Staging} WHERE {OwnRows}{_core.Dedupe}", cancellationToken, _tagParameter);
            Db.Execute(_connection, $"DELETE FROM {Staging} WHERE {OwnRows}", cancellationToken, _tagParameter);
            Db.Execute(
                _connection,
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

    public async ValueTask DisposeAsync()
    {
        if (_appender is not null)
        {
            // Uncommitted rows are discarded; any that reached the staging table are past the last commit's position
            // and are deleted when the partition is opened again.
            _appender.Clear();
            _appender.Dispose();
            _appender = null;
        }

        await _connection.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Deletes what an earlier attempt left: from the start (all staged rows and the applied mark), or from a
    /// checkpoint (staged rows numbered at or after it, which were written after the last checkpoint).
    /// </summary>
    private void DiscardStale(CancellationToken cancellationToken)
    {
        var applied = Sql.Quote(_core.AppliedTable);
        var tagColumn = Sql.Quote(SinkCore<T>.PartitionColumn);
        var runTag = Db.Parameter("bk_run", SinkCore<T>.RunTag(_context.RunKey));
        var from = Db.Parameter("bk_from", _context.ResumePosition ?? 0);
        var stale = $"{OwnRows} AND {Sql.Quote(SinkCore<T>.SequenceColumn)} >= $bk_from";
        var marks = $"{tagColumn} = ${SinkCore<T>.TagParameter} OR {tagColumn} = $bk_run";

        // Reads first: a fresh partition has nothing to discard, and skipping the empty write transaction saves a commit.
        var staleRows = Db.Count(_connection, $"SELECT count(*) FROM {Staging} WHERE {stale}", cancellationToken, _tagParameter, from);
        var staleMarks = _context.ResumePosition is null
            ? Db.Count(_connection, $"SELECT count(*) FROM {applied} WHERE {marks}", cancellationToken, _tagParameter, runTag)
            : 0;
        if (staleRows == 0 && staleMarks == 0)
        {
            return;
        }

        using var transaction = _connection.BeginTransaction();
        Db.Execute(_connection, $"DELETE FROM {Staging} WHERE {stale}", cancellationToken, _tagParameter, from);
        if (_context.ResumePosition is null)
        {
            // A partition written again from its start means its slice (and, with a run slice, the run) publishes again.
            Db.Execute(_connection, $"DELETE FROM {applied} WHERE {marks}", cancellationToken, _tagParameter, runTag);
        }

        transaction.Commit();
    }

    private void Flush()
    {
        if (_appender is not null)
        {
            _appender.Close();
            _appender.Dispose();
            _appender = null;
        }
    }
}
