using DuckDB.NET.Data;

namespace BatchKit.DuckDb.Internal;

/// <summary>
/// Writes one partition attempt with <see cref="WriteDisposition.Upsert"/>: rows are appended to a TEMP staging table
/// of the writer's own connection; each commit merges them into the target in one transaction with one
/// <c>INSERT ... SELECT ... ON CONFLICT DO UPDATE</c> and empties the staging table. In the same transaction, before
/// the merge, <see cref="UpsertKeyOwners"/> fails the commit when a key was already written by another partition of
/// the run.
/// </summary>
internal sealed class UpsertWriter<T> : ISinkWriter<T>
{
    private const string Stage = "bk_stage";

    private readonly SinkCore<T> _core;
    private readonly SinkContext _context;
    private readonly DuckDBConnection _connection;
    private readonly string _applySql;
    private readonly UpsertKeyOwners _owners;
    private DuckDBAppender? _appender;
    private long _staged;
    private long _applied;

    private UpsertWriter(SinkCore<T> core, SinkContext context, DuckDBConnection connection, UpsertKeyOwners owners)
    {
        _owners = owners;
        _core = core;
        _context = context;
        _connection = connection;
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
        var connection = Db.Open(core.ConnectionString);
        try
        {
            await core.ApplyLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            var owners = new UpsertKeyOwners(core.Map.Table, core.Map.Key, Stage);
            try
            {
                core.Prepare(connection, cancellationToken);
                owners.Prepare(connection, cancellationToken);
            }
            finally
            {
                core.ApplyLock.Release();
            }

            Db.Execute(connection, $"DROP TABLE IF EXISTS temp.main.{Stage}", cancellationToken);
            Db.Execute(connection, core.Map.CreateTableSql(Stage, withKey: false, temp: true, extraColumns: [$"{Sql.Quote(SinkCore<T>.SequenceColumn)} BIGINT NOT NULL"]), cancellationToken);
            return new UpsertWriter<T>(core, context, connection, owners);
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
        _appender ??= _connection.CreateAppender("temp", "main", Stage);
        var append = _core.Map.Append;
        try
        {
            foreach (var record in records.Span)
            {
                append(_appender.CreateRow(), record).AppendValue(_staged++).EndRow();
            }
        }
        catch (DuckDBException e)
        {
            throw _core.Failure("stage the rows of", _context, e);
        }

        return ValueTask.CompletedTask;
    }

    public async ValueTask<long> CommitAsync(CancellationToken cancellationToken)
    {
        if (_appender is null)
        {
            return _applied;
        }

        var appender = _appender;
        _appender = null;
        try
        {
            appender.Close();
        }
        catch (DuckDBException e)
        {
            throw StagingFailure(e);
        }
        finally
        {
            appender.Dispose();
        }

        await _core.ApplyLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var transaction = _connection.BeginTransaction();
            _owners.Claim(_connection, _context, cancellationToken);
            Db.Execute(_connection, _applySql, cancellationToken);
            Db.Execute(_connection, $"DELETE FROM temp.main.{Stage}", cancellationToken);
            transaction.Commit();
        }
        catch (DuckDBException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw _core.Failure("upsert", _context, e);
        }
        finally
        {
            _core.ApplyLock.Release();
        }

        _applied += _staged;
        _staged = 0;
        return _applied;
    }

    /// <summary>Describes a failure to stage rows in the terms of the target table, not of the internal staging table.</summary>
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

    public async ValueTask DisposeAsync()
    {
        if (_appender is not null)
        {
            // Uncommitted rows are discarded: they live in a TEMP table that dies with the connection.
            _appender.Clear();
            _appender.Dispose();
            _appender = null;
        }

        await _connection.DisposeAsync().ConfigureAwait(false);
    }
}
