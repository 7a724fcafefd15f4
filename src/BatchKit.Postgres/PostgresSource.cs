using BatchKit.Postgres.Internal;
using BatchKit.Shared;
using Npgsql;

namespace BatchKit.Postgres;

/// <summary>
/// Reads a PostgreSQL table by ranges of an integer key: each partition is a range (<see cref="PartitionDescriptor.Keys"/>,
/// <c>[start, end)</c>), read in pages with keyset pagination, and resumed after the last key its checkpoint recorded.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
/// <remarks>
/// <para>
/// Plan partitions with <see cref="CreateKeyRangePartitioner"/> (from the key's current min and max) or with
/// <see cref="Partitioners.KeyRanges"/> for explicit ranges. Rows become records through the delegate given to the
/// constructor, or by name (a property or constructor parameter <c>PlacedAt</c> reads column <c>placed_at</c>). A row
/// that cannot be mapped becomes an error record naming the table, the key and the column; it does not stop the run.
/// </para>
/// <para>
/// The position is the last key read, relative to the range start. Keys must be unique, and rows inserted behind the
/// last key after a partition started are not seen by that partition: read a table that is not changing under the
/// run's ranges (a snapshot, a closed day), or accept that. Thread-safe.
/// </para>
/// </remarks>
public sealed class PostgresSource<T> : ISource<T>, IAsyncDisposable
{
    private readonly SourceCore<T> _core;
    private readonly NpgsqlDataSource? _ownedDataSource;

    /// <summary>Initializes a new instance of the <see cref="PostgresSource{T}"/> class.</summary>
    /// <param name="options">The table, key, data sources and page size.</param>
    /// <param name="map">Maps the current row of a reader to a record; <see langword="null"/> to map by column name.</param>
    /// <exception cref="ArgumentException">An option breaks a rule (the table or key column is empty, the page size is out of range, no data source or connection string is set; the message lists every failure with the property, the expected range and the value found), or the connection string is malformed.</exception>
    public PostgresSource(PostgresSourceOptions options, Func<NpgsqlDataReader, T>? map = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        OptionsRule.ThrowIfFailed(PostgresOptionsValidators.Validate(options), $"the PostgreSQL source of table '{options.Table}'", nameof(options));

        var primary = options.DataSource ?? options.ReadReplica;
        if (primary is null)
        {
            try
            {
                primary = _ownedDataSource = NpgsqlDataSource.Create(options.ConnectionString!);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"The connection string of the PostgreSQL source of table '{options.Table}' is malformed (it is not repeated here, as it may hold a password).", nameof(options), e.InnerException);
            }
        }

        _core = new SourceCore<T>(options, primary, map);
    }

    /// <summary>Creates a partitioner that splits the key's current range <c>[min, max]</c> into up to <paramref name="partitionCount"/> equal ranges; an empty table gives one empty range.</summary>
    /// <param name="partitionCount">The number of ranges.</param>
    /// <returns>The partitioner; descriptors are <see cref="PartitionDescriptor.Keys"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="partitionCount"/> is not positive.</exception>
    public IPartitioner CreateKeyRangePartitioner(int partitionCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(partitionCount);
        return new KeyBoundsPartitioner<T>(_core, partitionCount);
    }

    /// <inheritdoc/>
    /// <exception cref="FormatException">The partition's descriptor is not a key range.</exception>
    public ValueTask<ISourceReader<T>> OpenAsync(SourceContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (start, end) = PartitionDescriptor.ParseKeys(context.Partition.Descriptor);
        return ValueTask.FromResult<ISourceReader<T>>(new KeyRangeReader<T>(_core, context, start, end));
    }

    /// <summary>Disposes the data source when the source created it from a connection string.</summary>
    /// <returns>A task that completes when the data source is disposed.</returns>
    public ValueTask DisposeAsync() => _ownedDataSource?.DisposeAsync() ?? ValueTask.CompletedTask;
}
