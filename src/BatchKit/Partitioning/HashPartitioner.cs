using System.Globalization;

namespace BatchKit;

/// <summary>
/// Partitions records by a key modulo a partition count. Because input is rarely laid out by that key, a job
/// uses it for shuffled partitioning: an extract stage routes every record to its partition's staging file.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
/// <remarks>
/// Integer keys use the non-negative remainder <c>key mod N</c> (so <c>user_id % 200</c> reads as written); string
/// keys use FNV-1a over UTF-8, which is stable across processes. Instances are immutable and thread-safe.
/// </remarks>
public sealed class HashPartitioner<T> : IPartitioner, IRecordRouter<T>
{
    private readonly Func<T, long>? _int64Key;
    private readonly Func<T, string>? _stringKey;

    private HashPartitioner(int partitionCount, Func<T, long>? int64Key, Func<T, string>? stringKey)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(partitionCount);
        PartitionCount = partitionCount;
        _int64Key = int64Key;
        _stringKey = stringKey;
    }

    /// <summary>Creates a partitioner on an integer key: partition = key mod <paramref name="partitionCount"/>.</summary>
    /// <param name="partitionCount">The number of partitions.</param>
    /// <param name="key">Selects the key of a record.</param>
    /// <returns>The partitioner.</returns>
    public static HashPartitioner<T> ByInt64(int partitionCount, Func<T, long> key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return new HashPartitioner<T>(partitionCount, key, null);
    }

    /// <summary>Creates a partitioner on a string key: partition = FNV-1a(key) mod <paramref name="partitionCount"/>.</summary>
    /// <param name="partitionCount">The number of partitions.</param>
    /// <param name="key">Selects the key of a record.</param>
    /// <returns>The partitioner.</returns>
    public static HashPartitioner<T> ByString(int partitionCount, Func<T, string> key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return new HashPartitioner<T>(partitionCount, null, key);
    }

    /// <inheritdoc/>
    public int PartitionCount { get; }

    /// <inheritdoc/>
    /// <remarks>The partition count is recorded with the frozen plan on its own, so a change names both counts.</remarks>
    public string Definition => _int64Key is not null ? "hash of an Int64 key" : "hash of a string key";

    /// <inheritdoc/>
    public int Route(T record) => _int64Key is not null
        ? StableHash.Modulo(_int64Key(record), PartitionCount)
        : (int)(StableHash.Fnv1a(_stringKey!(record) ?? string.Empty) % (ulong)PartitionCount);

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<Partition>> PlanAsync(PartitionPlanContext context, CancellationToken cancellationToken)
    {
        var width = (PartitionCount - 1).ToString(CultureInfo.InvariantCulture).Length;
        var partitions = new Partition[PartitionCount];
        for (var i = 0; i < PartitionCount; i++)
        {
            partitions[i] = new Partition(i, "hash-" + i.ToString(CultureInfo.InvariantCulture).PadLeft(Math.Max(width, 4), '0'), PartitionDescriptor.Hash(i, PartitionCount));
        }

        return ValueTask.FromResult<IReadOnlyList<Partition>>(partitions);
    }
}
