using BatchKit.DuckDb.Internal;
using BatchKit.Shared;

namespace BatchKit.DuckDb;

/// <summary>
/// Writes records to a DuckDB table: each commit stages the chunk's records in a Parquet file outside the warehouse, and
/// a partition's staged rows are applied to the target set-based, in one transaction, when it completes; never row by row.
/// </summary>
/// <typeparam name="T">The record type, mapped by a <see cref="DuckDbTableMapping{T}"/>.</typeparam>
/// <remarks>
/// <para>
/// Staging (both dispositions): each <see cref="ISinkWriter{T}.CommitAsync"/> writes the chunk's rows, numbered, to a
/// new Parquet staging file of the partition under <see cref="DuckDbSinkOptions.StagingDirectory"/> (beside the
/// database by default), named by the record numbers and the lease epoch, written under a temporary name and renamed
/// into place; the database is not opened. A writer resumed at <see cref="SinkContext.ResumePosition"/> keeps exactly
/// the files holding the records before it and deletes every other file of the partition; a writer opened from the start
/// deletes all of them. Files of the committed prefix that are missing fail the open, unless the partition is recorded
/// as applied. A writer refuses to open when a later epoch has staged files of its partition, and applies only the
/// files it kept and the files it wrote, so a file an earlier epoch wrote after the takeover is ignored.
/// </para>
/// <para>
/// <see cref="WriteDisposition.Upsert"/>: <see cref="ISinkWriter{T}.CompleteAsync"/> loads the staged rows into a TEMP
/// table and merges them into the target with one <c>INSERT ... SELECT ... ON CONFLICT (key) DO UPDATE</c> (the last
/// record per key in input order wins), in one transaction that also claims the keys for the partition (a key written by
/// another partition of the run fails it) and records the partition as applied. Merging the same rows again gives the
/// same table. The target needs a primary key or unique index on the key; a table created by the sink has one. Rows
/// become visible in the table when the partition completes, not at each commit.
/// </para>
/// <para>
/// <see cref="WriteDisposition.ReplacePartition"/>: <see cref="ISinkWriter{T}.CompleteAsync"/>, in one transaction,
/// deletes the slice (<see cref="DuckDbSinkOptions.Slice"/>) from the target, inserts the staged rows (read with
/// <c>read_parquet</c>), and records the partition in <c>&lt;table&gt;__bk_applied</c>; a repeated completion finds
/// that record and does nothing, so it cannot empty the slice. Rows outside the slice fail the completion.
/// </para>
/// <para>
/// With <see cref="DuckDbSinkOptions.RunSlice"/>, completed partitions stay in their staging files and
/// <see cref="CompleteRunAsync"/> publishes the whole run in one transaction when every partition has completed, so
/// the database is opened only to prepare the tables and to publish.
/// </para>
/// <para>
/// Fencing: every transaction that changes the target (an upsert merge, discarding an earlier attempt's applied marks,
/// a slice replacement, the run-level publish) reads the epoch recorded for its run and partition in
/// <c>&lt;table&gt;__bk_fence</c> (partition id <c>''</c> for the run-level publish); when it is higher than the
/// attempt's <see cref="FencingToken.Epoch"/> the transaction rolls back and throws a non-transient
/// <see cref="LeaseLostException"/>, otherwise it records the attempt's epoch. Each write also calls
/// <see cref="FencingToken.ThrowIfExpired"/> first.
/// </para>
/// <para>
/// The database file is open only while an operation needs it: preparing the tables (once per sink) and one apply per
/// partition (with a run slice, one publish per run). A process paused mid-run therefore does not hold the file, and a
/// process that takes over its lease can write. When another process does hold the file (DuckDB lets one process open
/// it for writing), the operation waits for it with backoff for up to <see cref="DuckDbSinkOptions.LockTimeout"/> and
/// then fails transiently, naming the holder. Within a process, DuckDB.NET shares one database instance per file between
/// connections; table preparation and the set-based applies of one sink are serialized by a lock (DuckDB runs each
/// statement on all cores). The sink is thread-safe; its writers are not.
/// </para>
/// </remarks>
public sealed class DuckDbSink<T> : ISink<T>, IRunCompletingSink, IAsyncDisposable
{
    private readonly SinkCore<T> _core;

    /// <summary>Initializes a new instance of the <see cref="DuckDbSink{T}"/> class.</summary>
    /// <param name="mapping">The table mapping; a snapshot is taken now.</param>
    /// <param name="options">The options; their values are copied now.</param>
    /// <exception cref="ArgumentException">
    /// An option breaks a rule (the connection string is empty; the disposition is <see cref="WriteDisposition.Append"/>;
    /// ReplacePartition without a slice function; Upsert with <see cref="DuckDbSinkOptions.RunSlice"/> or without a primary
    /// key; a negative lock timeout): the message lists every failure with the property, the expected and the value found.
    /// Or Upsert with a mapping that has no key.
    /// </exception>
    /// <exception cref="InvalidOperationException">The mapping is invalid, for example a property type has no DuckDB type.</exception>
    public DuckDbSink(DuckDbTableMapping<T> mapping, DuckDbSinkOptions options)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        ArgumentNullException.ThrowIfNull(options);
        OptionsRule.ThrowIfFailed(DuckDbOptionsValidators.Validate(options), $"the DuckDB sink of table '{mapping.TableName}'", nameof(options));
        if (options.Disposition == WriteDisposition.Upsert && mapping.Key.Count == 0)
        {
            throw new ArgumentException($"Upsert into table '{mapping.TableName}' needs a key: call HasKey on the mapping.", nameof(options));
        }

        _core = new SinkCore<T>(TableMap<T>.Create(mapping), options);
    }

    /// <inheritdoc/>
    public WriteDisposition Disposition => _core.Disposition;

    /// <summary>Gets the target table name.</summary>
    public string TableName => _core.Map.Table;

    /// <summary>
    /// Publishes the run's staged rows in one transaction when <see cref="DuckDbSinkOptions.RunSlice"/> is set.
    /// Idempotent: a run already published is recorded in <c>&lt;table&gt;__bk_applied</c>. The publish is fenced: the
    /// lease is confirmed first, and the transaction refuses when a later epoch has published the run.
    /// </summary>
    /// <param name="context">The run, its partitions and the fencing token.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the run's rows are in the target.</returns>
    /// <exception cref="BatchKitException">DuckDB failed; the provider exception is the inner exception.</exception>
    /// <exception cref="LeaseLostException">The lease was lost, or a later epoch published the run.</exception>
    public async ValueTask CompleteRunAsync(RunCompletionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_core.RunSlice is not null)
        {
            await RunPublisher.PublishAsync(_core, context, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Releases the in-memory DuckDB that writes staging files. The database file itself is never held open between
    /// operations.
    /// </summary>
    /// <returns>A task that completes when it is released.</returns>
    public ValueTask DisposeAsync() => _core.CloseMemoryAsync();

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The target table does not exist and may not be created, or lacks a mapped column.</exception>
    /// <exception cref="BatchKitException">DuckDB failed; the provider exception is the inner exception.</exception>
    public ValueTask<ISinkWriter<T>> OpenAsync(SinkContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return _core.Disposition == WriteDisposition.Upsert
            ? UpsertWriter<T>.OpenAsync(_core, context, cancellationToken)
            : ReplacePartitionWriter<T>.OpenAsync(_core, context, cancellationToken);
    }
}
