using System.Globalization;

namespace BatchKit.DuckDb.Internal;

/// <summary>Plans key-range partitions over <c>[min, max]</c> of an integer column.</summary>
internal sealed class KeyRangePartitioner(string connectionString, string from, string key, int partitionCount) : IPartitioner
{
    public ValueTask<IReadOnlyList<Partition>> PlanAsync(PartitionPlanContext context, CancellationToken cancellationToken)
    {
        using var connection = Db.Open(connectionString);
        using var command = Db.Create(connection, $"SELECT CAST(min({key}) AS BIGINT), CAST(max({key}) AS BIGINT) FROM {from} AS bk_source", []);
        var (min, max) = Db.Run(
            command,
            static c =>
            {
                using var reader = c.ExecuteReader();
                reader.Read();
                return reader.IsDBNull(0) ? ((long?)null, (long?)null) : (reader.GetInt64(0), reader.GetInt64(1));
            },
            cancellationToken);
        return ValueTask.FromResult(Plan(min, max, partitionCount));
    }

    /// <summary>Splits <c>[min, max]</c> into at most <paramref name="count"/> equal half-open ranges.</summary>
    public static IReadOnlyList<Partition> Plan(long? min, long? max, int count)
    {
        if (min is null || max is null)
        {
            return [new Partition(0, Id(0), PartitionDescriptor.Keys(0, 0))];
        }

        if (max == long.MaxValue)
        {
            throw new InvalidOperationException($"The key column holds {long.MaxValue}, which a half-open key range cannot include.");
        }

        var span = (Int128)max.Value - min.Value + 1;
        var n = (int)Int128.Min(count, span);
        var size = (span + n - 1) / n;
        var partitions = new List<Partition>(n);
        for (var i = 0; i < n; i++)
        {
            var start = min.Value + (i * size);
            var end = Int128.Min(start + size, (Int128)max.Value + 1);
            if (start < end)
            {
                partitions.Add(new Partition(partitions.Count, Id(partitions.Count), PartitionDescriptor.Keys((long)start, (long)end)));
            }
        }

        return partitions;
    }

    private static string Id(int index) => "keys-" + index.ToString("D4", CultureInfo.InvariantCulture);
}
