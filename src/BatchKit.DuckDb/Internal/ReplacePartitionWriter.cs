using DuckDB.NET.Data;

namespace BatchKit.DuckDb.Internal;

/// <summary>
/// Writes one partition attempt with <see cref="WriteDisposition.ReplacePartition"/>: the chunk's records are buffered in
/// memory; a commit writes them, numbered, to a Parquet staging file of the partition (through an in-memory DuckDB,
/// under a temporary name renamed into place after a self-fencing check); completion opens the database and, in one
/// fenced transaction, replaces the partition's slice of the target with the staged rows and records the partition as
/// applied. The database file is open only for the preparation of the tables and for that apply.
/// </summary>
internal sealed class ReplacePartitionWriter<T> : ISinkWriter<T>
{
    private readonly SinkCore<T> _core;
    private readonly SinkContext _context;
    private readonly DuckDbSlice _slice;
    private readonly string _tag;
    private readonly PartitionStaging<T> _staging;
    private readonly KeyValuePair<string, object?>[] _tagParameter;
    private readonly List<T> _buffer = [];
    private long _sequence;

    private ReplacePartitionWriter(SinkCore<T> core, SinkContext context, DuckDbSlice slice, long sequence)
    {
        _core = core;
        _context = context;
        _slice = slice;
        _tag = SinkCore<T>.Tag(context);
        _staging = new PartitionStaging<T>(core, context);
        _tagParameter = Db.Parameter(SinkCore<T>.TagParameter, _tag);
        _sequence = sequence;
    }

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
            if (!core.Prepared)
            {
                await using var connection = await core.OpenAsync(context.Fence, cancellationToken).ConfigureAwait(false);
                core.Prepare(connection, cancellationToken);
            }

            await writer.DiscardAfterCheckpointAsync(cancellationToken).ConfigureAwait(false);
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
        if (_core.RunSlice is not null)
        {
            return; // The staged files are durable; the run publishes them all when every partition has completed.
        }

        var fence = _context.Fence;
        await fence.EnsureCurrentAsync(cancellationToken).ConfigureAwait(false);
        var files = _staging.Files;
        var own = _staging.Own;
        await _core.ApplyLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await _core.OpenAsync(fence, cancellationToken).ConfigureAwait(false);
            await fence.EnsureCurrentAsync(cancellationToken).ConfigureAwait(false);
            using (var transaction = connection.BeginTransaction())
            {
                _core.CheckFence(connection, _context.RunKey, _context.Partition.Id, fence, cancellationToken);
                var applied = Db.Count(connection, $"SELECT count(*) FROM {Sql.Quote(_core.AppliedTable)} WHERE {OwnRows}", cancellationToken, _tagParameter);
                if (applied > 0)
                {
                    if (own > 0)
                    {
                        throw new InvalidOperationException(
                            $"Partition '{_context.Partition.Id}' of table '{_core.Map.Table}' was already applied, yet {own} more rows were staged; " +
                            "a partition that writes again must be opened with ResumePosition null.");
                    }

                    // A repeated completion: the slice already holds this partition's rows.
                }
                else
                {
                    Apply(connection, files, cancellationToken);
                    transaction.Commit();
                }
            }

            _core.AppliedTags.Add(_tag);
        }
        catch (DuckDBException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw _core.Failure("replace the slice of", _context, e);
        }
        finally
        {
            _core.ApplyLock.Release();
        }

        // Applied: the staged files are no longer needed (a crash before this leaves them for the run's cleanup).
        _staging.Delete();
    }

    private void Apply(DuckDBConnection connection, IReadOnlyList<StagedFile> files, CancellationToken cancellationToken)
    {
        var map = _core.Map;
        long staged = 0;
        if (files.Count > 0)
        {
            var source = $"read_parquet({StagingFiles.SqlList(files)})";
            staged = Db.Count(connection, $"SELECT count(*) FROM {source}", cancellationToken);
            var outside = Db.Count(connection, $"SELECT count(*) FROM {source} WHERE ({_slice.Predicate}) IS NOT TRUE", cancellationToken, _slice.Parameters);
            if (outside > 0)
            {
                throw new InvalidDataException(
                    $"Partition '{_context.Partition.Id}' wrote {outside} of {staged} rows outside its slice of table '{_core.Map.Table}': " +
                    $"expected every row to satisfy '{_slice.Predicate}'.");
            }

            Db.Execute(connection, $"DELETE FROM {map.QuotedTable} WHERE {_slice.Predicate}", cancellationToken, _slice.Parameters);
            Db.Execute(connection, $"INSERT INTO {map.QuotedTable} ({map.ColumnList}) SELECT {map.ColumnList} FROM {source}{_core.Dedupe}", cancellationToken);
        }
        else
        {
            Db.Execute(connection, $"DELETE FROM {map.QuotedTable} WHERE {_slice.Predicate}", cancellationToken, _slice.Parameters);
        }

        Db.Execute(
            connection,
            $"INSERT INTO {Sql.Quote(_core.AppliedTable)} ({Sql.Quote(SinkCore<T>.PartitionColumn)}, row_count) VALUES (${SinkCore<T>.TagParameter}, $bk_rows)",
            cancellationToken,
            _tagParameter,
            Db.Parameter("bk_rows", staged));
    }

    public async ValueTask DisposeAsync()
    {
        // Uncommitted records are discarded: they were only buffered.
        _buffer.Clear();
        await _staging.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Resume truncation: removes the output past the last checkpoint before writing resumes. Invariant: afterwards the
    /// staging holds exactly the records before <see cref="SinkContext.ResumePosition"/>, and without a resume position
    /// neither the partition nor its run is marked applied. Deletes what an earlier attempt left: from the start (all staged files and the applied marks of the partition and
    /// the run), or from a checkpoint (every file but those holding the records before it; see
    /// <see cref="PartitionStaging{T}.DiscardAfterCheckpointAsync"/>). Refuses when a later epoch has staged files of this partition.
    /// </summary>
    private async ValueTask DiscardAfterCheckpointAsync(CancellationToken cancellationToken)
    {
        var fence = _context.Fence;
        var runTag = SinkCore<T>.RunTag(_context.RunKey);
        await _staging.DiscardAfterCheckpointAsync(_core.AppliedTags.Contains(_tag) || _core.AppliedTags.Contains(runTag), cancellationToken).ConfigureAwait(false);

        if (_context.ResumePosition is not null || !(_core.AppliedTags.Contains(_tag) || _core.AppliedTags.Contains(runTag)))
        {
            return;
        }

        // A partition written again from its start means its slice (and, with a run slice, the run) publishes again.
        await using var connection = await _core.OpenAsync(fence, cancellationToken).ConfigureAwait(false);
        await fence.EnsureCurrentAsync(cancellationToken).ConfigureAwait(false);
        using var transaction = connection.BeginTransaction();
        _core.CheckFence(connection, _context.RunKey, _context.Partition.Id, fence, cancellationToken);
        var tagColumn = Sql.Quote(SinkCore<T>.PartitionColumn);
        Db.Execute(
            connection,
            $"DELETE FROM {Sql.Quote(_core.AppliedTable)} WHERE {tagColumn} = ${SinkCore<T>.TagParameter} OR {tagColumn} = $bk_run",
            cancellationToken,
            _tagParameter,
            Db.Parameter("bk_run", runTag));
        transaction.Commit();
        _core.AppliedTags.Remove(_tag);
        _core.AppliedTags.Remove(runTag);
    }
}
