using BatchKit.DuckDb.Internal;
using BatchKit.Shared;

namespace BatchKit.DuckDb;

/// <summary>
/// Reads the result of a DuckDB query (or a whole table) by integer key ranges: partition <c>keys:a:b</c> reads the rows
/// with <c>a &lt;= key &lt; b</c>, ordered by the key and the tiebreak columns.
/// </summary>
/// <typeparam name="T">The record type, mapped by a <see cref="DuckDbTableMapping{T}"/>.</typeparam>
/// <remarks>
/// <para>
/// <see cref="ISourceReader{T}.Position"/> is the number of rows the partition has returned so far; a reader opened at
/// position <c>n</c> skips the first <c>n</c> rows of the ordered range (<c>OFFSET n</c>). That is exact as long as the
/// key and tiebreak columns identify a row and the data does not change between attempts, which holds for the
/// snapshot a batch job reads. OFFSET was preferred over <c>key &gt; last key</c> because it needs neither a unique
/// key nor a second value in the position.
/// </para>
/// <para>A row with NULL in a column of a non-nullable property is reported as a bad record at its position and skipped.</para>
/// <para>The source is thread-safe; each reader has its own connection and is not.</para>
/// </remarks>
public sealed class DuckDbSource<T> : ISource<T>
{
    private readonly TableMap<T> _map;
    private readonly string _connectionString;
    private readonly string _from;
    private readonly string _key;
    private readonly string _orderBy;

    /// <summary>Initializes a new instance of the <see cref="DuckDbSource{T}"/> class.</summary>
    /// <param name="mapping">The mapping from result columns to <typeparamref name="T"/>; a snapshot is taken now.</param>
    /// <param name="options">The options; their values are copied now.</param>
    /// <exception cref="ArgumentException">The connection string is empty, or no key column is given and the mapping has no key.</exception>
    /// <exception cref="InvalidOperationException">The mapping is invalid, or <typeparamref name="T"/> cannot be constructed from its columns.</exception>
    public DuckDbSource(DuckDbTableMapping<T> mapping, DuckDbSourceOptions options)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        ArgumentNullException.ThrowIfNull(options);
        OptionsRule.ThrowIfFailed(DuckDbOptionsValidators.Validate(options), $"the DuckDB source of {typeof(T).Name}", nameof(options));

        _map = TableMap<T>.Create(mapping);
        _ = _map.Read; // Compile now, so a record type that cannot be built fails here rather than in a partition.
        _connectionString = options.ConnectionString;
        _from = options.Query is null ? _map.QuotedTable : "(" + options.Query + ")";
        var key = options.KeyColumn ?? (_map.Key.Count > 0
            ? _map.Key[0].Name
            : throw new ArgumentException($"The DuckDB source of {typeof(T).Name} needs a key column: set KeyColumn or call HasKey on the mapping.", nameof(options)));
        _key = Sql.Quote(key);
        var tiebreak = options.TiebreakColumns.Count > 0
            ? options.TiebreakColumns
            : (_map.Key.Count > 0 ? _map.Key : _map.Columns).Select(c => c.Name).Where(c => c != key).ToList();
        _orderBy = string.Join(", ", tiebreak.Select(Sql.Quote).Prepend(_key));
    }

    /// <summary>
    /// Creates a partitioner that splits <c>[min, max]</c> of the key column into at most <paramref name="partitionCount"/>
    /// equal half-open ranges, described by <see cref="PartitionDescriptor.Keys"/>, with ids <c>keys-0000</c>, <c>keys-0001</c>, …
    /// An empty input gives one empty partition.
    /// </summary>
    /// <param name="partitionCount">The number of partitions (fewer when the key span is smaller).</param>
    /// <returns>The partitioner.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="partitionCount"/> is not positive.</exception>
    public IPartitioner CreateKeyRangePartitioner(int partitionCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(partitionCount);
        return new KeyRangePartitioner(_connectionString, _from, _key, partitionCount);
    }

    /// <inheritdoc/>
    /// <exception cref="FormatException">The partition's descriptor is not a key range.</exception>
    /// <exception cref="BatchKitException">DuckDB failed to run the query; the provider exception is the inner exception.</exception>
    public ValueTask<ISourceReader<T>> OpenAsync(SourceContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (start, end) = PartitionDescriptor.ParseKeys(context.Partition.Descriptor);
        var sql = $"SELECT {_map.CastSelectList()} FROM {_from} AS bk_source WHERE {_key} >= $bk_start AND {_key} < $bk_end ORDER BY {_orderBy} OFFSET $bk_offset";
        return ValueTask.FromResult<ISourceReader<T>>(KeyRangeReader<T>.Open(_map, _connectionString, sql, context, start, end, cancellationToken));
    }
}
