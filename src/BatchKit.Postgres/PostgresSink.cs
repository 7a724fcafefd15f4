using BatchKit.Postgres.Internal;
using BatchKit.Shared;
using Npgsql;

namespace BatchKit.Postgres;

/// <summary>
/// Writes records to a PostgreSQL table. Each chunk is copied with binary COPY into a temporary table and merged into
/// the target in one transaction: <see cref="WriteDisposition.Upsert"/> on the mapping's key (the last record of a
/// key in a chunk wins), <see cref="WriteDisposition.Append"/> guarded by (run, partition, ordinal) columns so a
/// replayed chunk adds nothing, or <see cref="WriteDisposition.ReplacePartition"/>, which stages a partition's rows in
/// an unlogged table and replaces the partition's slice of the target with them in one transaction when it completes.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
/// <remarks>
/// <para>
/// Every transaction that changes the target or the staging table first records the attempt's
/// <see cref="SinkContext.Fence"/> epoch in the table <c>&lt;table&gt;__bk_fence</c>, keyed by (run, partition), and
/// refuses (with <see cref="LeaseLostException"/>, rolling back) when a later epoch is recorded there: a writer that
/// stalled past its lease commits nothing once another attempt has written.
/// </para>
/// <para>Thread-safe; its writers use at most <see cref="PostgresSinkOptions.MaxConnections"/> connections at once.</para>
/// </remarks>
public sealed class PostgresSink<T> : ISink<T>, IAsyncDisposable
{
    private readonly SinkCore<T> _core;
    private readonly NpgsqlDataSource? _ownedDataSource;

    /// <summary>Initializes a new instance of the <see cref="PostgresSink{T}"/> class.</summary>
    /// <param name="mapping">The table and its columns.</param>
    /// <param name="options">The data source, disposition and limits.</param>
    /// <exception cref="ArgumentException">An option breaks a rule (no data source or connection string, no slice for ReplacePartition, a value out of range; the message lists every failure with the property, the expected range and the value found), the mapping has no key for Upsert, or the connection string is malformed.</exception>
    public PostgresSink(PostgresTableMapping<T> mapping, PostgresSinkOptions options)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        ArgumentNullException.ThrowIfNull(options);
        OptionsRule.ThrowIfFailed(PostgresOptionsValidators.Validate(options), $"the PostgreSQL sink of table '{mapping.TableName}'", nameof(options));
        if (options.Disposition == WriteDisposition.Upsert && mapping.Key.Count == 0)
        {
            throw new ArgumentException($"Upsert into table '{mapping.TableName}' needs a key: call HasKey on the mapping.", nameof(options));
        }

        var map = TableMap<T>.Create(mapping);
        var dataSource = options.DataSource;
        if (dataSource is null)
        {
            try
            {
                dataSource = _ownedDataSource = NpgsqlDataSource.Create(options.ConnectionString!);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"The connection string of the PostgreSQL sink of table '{mapping.TableName}' is malformed (it is not repeated here, as it may hold a password).", nameof(options), e.InnerException);
            }
        }

        _core = new SinkCore<T>(map, dataSource, options);
    }

    /// <inheritdoc/>
    public WriteDisposition Disposition => _core.Disposition;

    /// <summary>Gets the target table as given to the mapping.</summary>
    public string TableName => _core.Map.Table;

    /// <inheritdoc/>
    public ValueTask<ISinkWriter<T>> OpenAsync(SinkContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return SinkWriter<T>.OpenAsync(_core, context, cancellationToken);
    }

    /// <summary>Releases the sink's resources, and its data source when the sink created it from a connection string. Writers must be disposed first.</summary>
    /// <returns>A task that completes when the data source is disposed.</returns>
    public ValueTask DisposeAsync()
    {
        _core.Dispose();
        return _ownedDataSource?.DisposeAsync() ?? ValueTask.CompletedTask;
    }
}
