using DuckDB.NET.Data;

namespace BatchKit.DuckDb.Internal;

/// <summary>
/// Writes one partition attempt with <see cref="WriteDisposition.Upsert"/>: the chunk's records are buffered in memory;
/// each commit opens the database, appends them to a TEMP staging table and merges them into the target in one fenced
/// transaction with one <c>INSERT ... SELECT ... ON CONFLICT DO UPDATE</c>, then closes the database. In the same
/// transaction, before the merge, <see cref="UpsertKeyOwners"/> fails the commit when a key was already written by
/// another partition of the run.
/// </summary>
internal sealed class UpsertWriter<T> : ISinkWriter<T>
{
    private const string Stage = "bk_stage";

    private readonly SinkCore<T> _core;
    private readonly SinkContext _context;
    private readonly List<T> _buffer = [];
    private readonly string _applySql;
    private readonly UpsertKeyOwners _owners;
    private long _applied;

    private UpsertWriter(SinkCore<T> core, SinkContext context, UpsertKeyOwners owners)
    {
        _owners = owners;
        _core = core;
        _context = context;
        _applied = context.ResumePosition ?? 0;
        var map = core.Map;
        var update = map.Columns.Where(c => !map.Key.Contains(c)).Select(c => $"{c.Quoted} = excluded.{c.Quoted}").ToList();
        _applySql =
            $"INSERT INTO {map.QuotedTable} ({map.ColumnList}) SELECT {map.ColumnList} FROM temp.main.{Stage}{core.Dedupe} " +
            $"ON CONFLICT ({string.Join(", ", map.Key.Select(k => k.Quoted))}) " +
            (update.Count == 0 ? "DO NOTHING" : "DO UPDATE SET " + string.Join(", ", update));
    }

    public static async ValueTask<ISinkWriter<T>> OpenAsync(SinkCore<T> core, SinkContext context, CancellationToken cancellationToken)
    {
        // Opening changes nothing; the database is opened only to create or check the tables, once per sink.
        var owners = new UpsertKeyOwners(core.Map.Table, core.Map.Key, Stage);
        await core.ApplyLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!core.Prepared)
            {
                await using var connection = await core.OpenAsync(context.Fence, cancellationToken).ConfigureAwait(false);
                core.Prepare(connection, cancellationToken);
                owners.Prepare(connection, cancellationToken);
            }
        }
        finally
        {
            core.ApplyLock.Release();
        }

        return new UpsertWriter<T>(core, context, owners);
    }

    public ValueTask WriteAsync(ReadOnlyMemory<T> records, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _buffer.AddRange(records.Span);
        return ValueTask.CompletedTask;
    }

    public async ValueTask<long> CommitAsync(CancellationToken cancellationToken)
    {
        if (_buffer.Count == 0)
        {
            return _applied;
        }

        var fence = _context.Fence;
        fence.ThrowIfExpired();
        await using var connection = await _core.OpenAsync(fence, cancellationToken).ConfigureAwait(false);
        try
        {
            Db.Execute(connection, _core.Map.CreateTableSql(Stage, withKey: false, temp: true, extraColumns: [$"{Sql.Quote(SinkCore<T>.SequenceColumn)} BIGINT NOT NULL"]), cancellationToken);
            using (var appender = connection.CreateAppender("temp", "main", Stage))
            {
                var append = _core.Map.Append;
                long sequence = 0;
                foreach (var record in _buffer)
                {
                    append(appender.CreateRow(), record).AppendValue(sequence++).EndRow();
                }

                try
                {
                    appender.Close();
                }
                catch (DuckDBException e)
                {
                    throw StagingFailure(e);
                }
            }

            await _core.ApplyLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                fence.ThrowIfExpired();
                using var transaction = connection.BeginTransaction();
                _core.CheckFence(connection, _context.RunKey, _context.Partition.Id, fence, cancellationToken);
                _owners.Claim(connection, _context, cancellationToken);
                Db.Execute(connection, _applySql, cancellationToken);
                transaction.Commit();
            }
            finally
            {
                _core.ApplyLock.Release();
            }
        }
        catch (DuckDBException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw _core.Failure("upsert", _context, e);
        }

        _applied += _buffer.Count;
        _buffer.Clear();
        return _applied;
    }

    private BatchKitException StagingFailure(DuckDBException e)
    {
        var marker = "NOT NULL constraint failed: " + Stage + ".";
        var at = e.Message.IndexOf(marker, StringComparison.Ordinal);
        var rest = at < 0 ? string.Empty : e.Message[(at + marker.Length)..];
        var column = _core.Map.Columns
            .Where(c => rest.StartsWith(c.Name, StringComparison.Ordinal) && (rest.Length == c.Name.Length || !(char.IsLetterOrDigit(rest[c.Name.Length]) || rest[c.Name.Length] == '_')))
            .FirstOrDefault();
        if (column is null)
        {
            return _core.Failure("stage the rows of", _context, e);
        }

        return new BatchKitException(
            $"DuckDB sink of table '{_core.Map.Table}' could not write partition '{_context.Partition.Id}': column '{column.Name}' is NOT NULL, "
            + $"but a record's {typeof(T).Name}.{column.Property.Name} is null. Reject such records before the sink (a Validate step), or make the column nullable.",
            e)
        {
            JobName = _context.RunKey.JobName,
            PartitionId = _context.Partition.Id,
            IsTransient = false,
        };
    }

    public async ValueTask CompleteAsync(CancellationToken cancellationToken) =>
        await CommitAsync(cancellationToken).ConfigureAwait(false);

    public ValueTask DisposeAsync()
    {
        // Uncommitted records are discarded: they were only buffered.
        _buffer.Clear();
        return ValueTask.CompletedTask;
    }
}
