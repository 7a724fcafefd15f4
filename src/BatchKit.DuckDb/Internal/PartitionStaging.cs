using DuckDB.NET.Data;

namespace BatchKit.DuckDb.Internal;

/// <summary>
/// The Parquet staging of one partition attempt, outside the warehouse: each commit writes its records, numbered, to a
/// new file named by the record numbers and the attempt's epoch (never reopened or appended to, so a file an older
/// epoch may still write is never touched by a later one). Opening keeps exactly the files that hold the committed
/// prefix the attempt resumes after and deletes the rest; the attempt's apply reads those and its own files.
/// </summary>
internal sealed class PartitionStaging<T> : IAsyncDisposable
{
    private const string Stage = "bk_stage";

    private readonly SinkCore<T> _core;
    private readonly SinkContext _context;
    private readonly List<StagedFile> _kept = [];
    private readonly List<StagedFile> _own = [];
    private DuckDBConnection? _memory;

    public PartitionStaging(SinkCore<T> core, SinkContext context)
    {
        _core = core;
        _context = context;
        Folder = StagingFiles.PartitionFolder(core.StagingRoot, context.RunKey, context.Partition.Id);
    }

    /// <summary>Gets the partition's staging folder.</summary>
    public string Folder { get; }

    /// <summary>Gets the files the attempt applies: the committed prefix it resumed after, then its own commits, in record order.</summary>
    public IReadOnlyList<StagedFile> Files => [.. _kept, .. _own];

    /// <summary>Gets the number of records this attempt staged itself.</summary>
    public long Own => _own.Sum(f => f.Count);

    /// <summary>
    /// Resume truncation of the staging: removes the output past the last checkpoint before writing resumes. Invariant:
    /// afterwards <see cref="Files"/> hold exactly the records before <see cref="SinkContext.ResumePosition"/> (none
    /// without one). Refuses when a later epoch has staged files of the partition; otherwise keeps the files that tile the records
    /// before <see cref="SinkContext.ResumePosition"/> (preferring the latest epoch where epochs overlap) and deletes
    /// every other file: those at or after the resume position, and those an earlier epoch wrote after it lost its lease.
    /// </summary>
    /// <param name="prefixApplied">
    /// Whether the warehouse records the partition as applied, so that a prefix whose files are gone (deleted after the
    /// apply) is already in the target.
    /// </param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <exception cref="LeaseLostException">A later epoch staged files of this partition.</exception>
    /// <exception cref="BatchKitException">Files of the committed prefix are missing and the partition was not applied.</exception>
    public async ValueTask DiscardAfterCheckpointAsync(bool prefixApplied, CancellationToken cancellationToken)
    {
        var fence = _context.Fence;
        var from = _context.ResumePosition ?? 0;
        var files = StagingFiles.List(Folder);
        var later = files.Where(f => f.Epoch > fence.Epoch).Select(f => f.Epoch).DefaultIfEmpty(-1).Max();
        if (later >= 0)
        {
            throw new LeaseLostException(
                $"DuckDB sink of table '{_core.Map.Table}': partition '{_context.Partition.Id}' of run {_context.RunKey} was staged at epoch {later}, " +
                $"later than this attempt's epoch {fence.Epoch} ({fence.Owner}): the lease was taken over, so this attempt stops without changing the staging.")
            {
                IsTransient = false,
                JobName = _context.RunKey.JobName,
                PartitionId = _context.Partition.Id,
            };
        }

        var prefix = Prefix(files, from);
        if (prefix is null && !prefixApplied)
        {
            var reached = files.Where(f => f.First == 0).Select(f => f.First + f.Count).DefaultIfEmpty(0).Max();
            throw new BatchKitException(
                $"DuckDB sink of table '{_core.Map.Table}': partition '{_context.Partition.Id}' of run {_context.RunKey} resumes after record {from}, " +
                $"but the staging folder '{Folder}' holds no files covering records 0 to {from - 1} (found {files.Count} files, the first reaching record {reached}). " +
                "The committed rows are missing, so the partition must be written again from its start.")
            {
                IsTransient = false,
                JobName = _context.RunKey.JobName,
                PartitionId = _context.Partition.Id,
            };
        }

        await fence.EnsureCurrentAsync(cancellationToken).ConfigureAwait(false);
        var keep = prefix ?? [];
        foreach (var file in files.Except(keep))
        {
            File.Delete(file.Path);
        }

        _kept.Clear();
        _kept.AddRange(keep);
        _own.Clear();
    }

    /// <summary>
    /// Writes records numbered from <paramref name="first"/> to a new staging file: appended to a TEMP table of the
    /// process's in-memory DuckDB (which checks NOT NULL), copied to Parquet under a temporary name, flushed to disk,
    /// then renamed into place after a self-fencing check (the lease is confirmed with the state store when it expired locally).
    /// </summary>
    public async ValueTask WriteAsync(IReadOnlyList<T> records, long first, CancellationToken cancellationToken)
    {
        var fence = _context.Fence;
        await fence.EnsureCurrentAsync(cancellationToken).ConfigureAwait(false);
        Directory.CreateDirectory(Folder);
        var final = Path.Combine(Folder, StagingFiles.FileName(first, records.Count, fence.Epoch));
        var temporary = Path.Combine(Folder, $".{Guid.NewGuid():N}.tmp");
        try
        {
            _memory ??= _core.OpenMemory();
            Db.Execute(
                _memory,
                _core.Map.CreateTableSql(Stage, withKey: false, temp: true, extraColumns: [$"{Sql.Quote(SinkCore<T>.SequenceColumn)} BIGINT NOT NULL"]),
                cancellationToken);
            try
            {
                using var appender = _memory.CreateAppender("temp", "main", Stage);
                var append = _core.Map.Append;
                var sequence = first;
                foreach (var record in records)
                {
                    append(appender.CreateRow(), record).AppendValue(sequence++).EndRow();
                }

                appender.Close();
            }
            catch (DuckDBException e) when (!cancellationToken.IsCancellationRequested)
            {
                Db.Execute(_memory, $"DROP TABLE IF EXISTS temp.main.{Stage}", cancellationToken);
                throw StagingFailure(e);
            }

            Db.Execute(_memory, $"COPY temp.main.{Stage} TO '{temporary.Replace("'", "''", StringComparison.Ordinal)}' (FORMAT parquet)", cancellationToken);
            Db.Execute(_memory, $"DROP TABLE temp.main.{Stage}", cancellationToken);
            using (var written = new FileStream(temporary, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
            {
                written.Flush(flushToDisk: true); // the checkpoint that follows the commit must not outlive the file
            }

            await fence.EnsureCurrentAsync(cancellationToken).ConfigureAwait(false);
            File.Move(temporary, final, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DuckDBException && fence.IsExpired)
        {
            // A process that woke from a pause past its lease may find its folder deleted by the attempt that took over.
            await fence.EnsureCurrentAsync(cancellationToken).ConfigureAwait(false);
            throw;
        }
        catch (DuckDBException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw _core.Failure("stage the rows of", _context, e);
        }
        finally
        {
            File.Delete(temporary);
        }

        _own.Add(new StagedFile(final, first, records.Count, fence.Epoch));
    }

    /// <summary>Deletes the partition's staging folder once its rows are applied.</summary>
    public void Delete()
    {
        StagingFiles.DeleteFolder(Folder);
        _kept.Clear();
        _own.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        if (_memory is not null)
        {
            await _memory.DisposeAsync().ConfigureAwait(false);
            _memory = null;
        }
    }

    /// <summary>
    /// Returns files that tile records 0 to <paramref name="end"/> - 1 exactly, preferring later epochs, or
    /// <see langword="null"/> when no such tiling exists. Records are numbered by the deterministic input, so any tiling
    /// holds the same records; overlapping files come from an earlier epoch that kept writing after a takeover.
    /// </summary>
    private static List<StagedFile>? Prefix(List<StagedFile> files, long end)
    {
        if (end == 0)
        {
            return [];
        }

        var reach = new Dictionary<long, StagedFile?> { [0] = null };
        foreach (var file in files.Where(f => f.First + f.Count <= end).OrderBy(f => f.First).ThenByDescending(f => f.Epoch))
        {
            var next = file.First + file.Count;
            if (reach.ContainsKey(file.First) && (!reach.TryGetValue(next, out var previous) || previous!.Epoch < file.Epoch))
            {
                reach[next] = file;
            }
        }

        if (!reach.ContainsKey(end))
        {
            return null;
        }

        var chain = new List<StagedFile>();
        for (var at = end; at > 0;)
        {
            var file = reach[at]!;
            chain.Add(file);
            at = file.First;
        }

        chain.Reverse();
        return chain;
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
}
