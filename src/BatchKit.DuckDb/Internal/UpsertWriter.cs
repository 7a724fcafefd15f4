using DuckDB.NET.Data;

namespace BatchKit.DuckDb.Internal;

/// <summary>
/// Writes one partition attempt with <see cref="WriteDisposition.Upsert"/>: each commit writes the chunk's records,
/// numbered, to a Parquet staging file of the partition (<see cref="PartitionStaging{T}"/>), outside the warehouse;
/// completion opens the database once and, in one fenced transaction, loads every staged row into a TEMP table, lets
/// <see cref="UpsertKeyOwners"/> fail the merge when a key was already written by another partition of the run, merges
/// the rows into the target with one <c>INSERT ... SELECT ... ON CONFLICT DO UPDATE</c> (the last record per key in
/// input order wins) and records the partition as applied.
/// </summary>
internal sealed class UpsertWriter<T> : ISinkWriter<T>
{
    private const string Stage = "bk_stage";

    private readonly SinkCore<T> _core;
    private readonly SinkContext _context;
    private readonly PartitionStaging<T> _staging;
    private readonly List<T> _buffer = [];
    private readonly string _applySql;
    private readonly string _tag;
    private readonly UpsertKeyOwners _owners;
    private long _sequence;

    private UpsertWriter(SinkCore<T> core, SinkContext context, UpsertKeyOwners owners)
    {
        _owners = owners;
        _core = core;
        _context = context;
        _staging = new PartitionStaging<T>(core, context);
        _tag = SinkCore<T>.Tag(context);
        _sequence = context.ResumePosition ?? 0;
        var map = core.Map;
        var update = map.Columns.Where(c => !map.Key.Contains(c)).Select(c => $"{c.Quoted} = excluded.{c.Quoted}").ToList();
        _applySql =
            $"INSERT INTO {map.QuotedTable} ({map.ColumnList}) SELECT {map.ColumnList} FROM temp.main.{Stage}{core.Dedupe} " +
            $"ON CONFLICT ({string.Join(", ", map.Key.Select(k => k.Quoted))}) " +
            (update.Count == 0 ? "DO NOTHING" : "DO UPDATE SET " + string.Join(", ", update));
    }

    public static async ValueTask<ISinkWriter<T>> OpenAsync(SinkCore<T> core, SinkContext context, CancellationToken cancellationToken)
    {
        // The database is opened only to create or check the tables, once per sink; the staging is outside it.
        var owners = new UpsertKeyOwners(core.Map.Table, core.Map.Key, Stage);
        var writer = new UpsertWriter<T>(core, context, owners);
        await core.ApplyLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!core.Prepared)
            {
                await using var connection = await core.OpenAsync(context.Fence, cancellationToken).ConfigureAwait(false);
                core.Prepare(connection, cancellationToken);
                owners.Prepare(connection, cancellationToken);
            }

            // A prefix whose files are gone was merged by an attempt that stopped before its completion was recorded.
            await writer._staging.DiscardAfterCheckpointAsync(core.AppliedTags.Contains(writer._tag), cancellationToken).ConfigureAwait(false);
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
            await _staging.WriteAsync(_buffer, _sequence - _buffer.Count, cancellationToken).ConfigureAwait(false);
            _buffer.Clear();
        }

        return _sequence;
    }

    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        await CommitAsync(cancellationToken).ConfigureAwait(false);
        var files = _staging.Files;
        if (files.Count == 0)
        {
            return; // Nothing staged (or a repeated completion): the target already holds whatever this partition wrote.
        }

        var fence = _context.Fence;
        await fence.EnsureCurrentAsync(cancellationToken).ConfigureAwait(false);
        var map = _core.Map;
        await _core.ApplyLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await _core.OpenAsync(fence, cancellationToken).ConfigureAwait(false);
            await fence.EnsureCurrentAsync(cancellationToken).ConfigureAwait(false);
            using (var transaction = connection.BeginTransaction())
            {
                _core.CheckFence(connection, _context.RunKey, _context.Partition.Id, fence, cancellationToken);
                Db.Execute(connection, map.CreateTableSql(Stage, withKey: false, temp: true, extraColumns: [$"{Sql.Quote(SinkCore<T>.SequenceColumn)} BIGINT NOT NULL"]), cancellationToken);
                var staged = Db.Execute(
                    connection,
                    $"INSERT INTO temp.main.{Stage} ({map.ColumnList}, {Sql.Quote(SinkCore<T>.SequenceColumn)}) " +
                    $"SELECT {map.ColumnList}, {Sql.Quote(SinkCore<T>.SequenceColumn)} FROM read_parquet({StagingFiles.SqlList(files)})",
                    cancellationToken);
                _owners.Claim(connection, _context, cancellationToken);
                Db.Execute(connection, _applySql, cancellationToken);
                Db.Execute(
                    connection,
                    $"INSERT INTO {Sql.Quote(_core.AppliedTable)} ({Sql.Quote(SinkCore<T>.PartitionColumn)}, row_count) VALUES (${SinkCore<T>.TagParameter}, $bk_rows) " +
                    $"ON CONFLICT ({Sql.Quote(SinkCore<T>.PartitionColumn)}) DO UPDATE SET row_count = excluded.row_count, applied_at = now()",
                    cancellationToken,
                    Db.Parameter(SinkCore<T>.TagParameter, _tag),
                    Db.Parameter("bk_rows", (long)staged));
                Db.Execute(connection, $"DROP TABLE temp.main.{Stage}", cancellationToken);
                transaction.Commit();
            }

            _core.AppliedTags.Add(_tag);
        }
        catch (DuckDBException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw _core.Failure("upsert", _context, e);
        }
        finally
        {
            _core.ApplyLock.Release();
        }

        // Merged: the staged files are no longer needed (a crash before this leaves them; the resumed attempt merges them again).
        _staging.Delete();
    }

    public async ValueTask DisposeAsync()
    {
        // Uncommitted records are discarded: they were only buffered.
        _buffer.Clear();
        await _staging.DisposeAsync().ConfigureAwait(false);
    }
}
