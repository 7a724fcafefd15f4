namespace BatchKit;

/// <summary>Creates the built-in natural partitioners: row ranges, key ranges, time buckets, files, or a single partition.</summary>
public static class Partitioners
{
    /// <summary>Creates a partitioner that splits <c>[0, totalRows)</c> into fixed-size row ranges.</summary>
    /// <param name="totalRows">The number of rows of the input.</param>
    /// <param name="rowsPerPartition">The size of each range (the last may be shorter).</param>
    /// <returns>The partitioner; descriptors are <see cref="PartitionDescriptor.Rows"/>.</returns>
    public static IPartitioner RowRanges(long totalRows, long rowsPerPartition)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(totalRows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rowsPerPartition);
        return new DelegatePartitioner(_ => Ranges(0, totalRows, rowsPerPartition, "rows", PartitionDescriptor.Rows));
    }

    /// <summary>Creates a partitioner that splits the key range <c>[minKey, maxKeyExclusive)</c> into <paramref name="partitionCount"/> equal ranges.</summary>
    /// <param name="minKey">The smallest key, inclusive.</param>
    /// <param name="maxKeyExclusive">The end of the key range, exclusive.</param>
    /// <param name="partitionCount">The number of ranges.</param>
    /// <returns>The partitioner; descriptors are <see cref="PartitionDescriptor.Keys"/>.</returns>
    public static IPartitioner KeyRanges(long minKey, long maxKeyExclusive, int partitionCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(partitionCount);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxKeyExclusive, minKey);
        var span = maxKeyExclusive - minKey;
        var size = Math.Max(1, (span + partitionCount - 1) / partitionCount);
        return new DelegatePartitioner(_ => Ranges(minKey, maxKeyExclusive, size, "keys", PartitionDescriptor.Keys));
    }

    /// <summary>Creates a partitioner with one partition per time bucket in <c>[start, end)</c>.</summary>
    /// <param name="start">The start, inclusive.</param>
    /// <param name="end">The end, exclusive.</param>
    /// <param name="bucket">The bucket width, for example one hour or one day.</param>
    /// <returns>The partitioner; descriptors are <see cref="PartitionDescriptor.Time"/>.</returns>
    public static IPartitioner TimeBuckets(DateTimeOffset start, DateTimeOffset end, TimeSpan bucket)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(bucket, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(end, start);
        return new DelegatePartitioner(_ =>
        {
            var list = new List<Partition>();
            for (var t = start.ToUniversalTime(); t < end; t += bucket)
            {
                var next = t + bucket < end ? t + bucket : end.ToUniversalTime();
                list.Add(new Partition(list.Count, "time-" + t.UtcDateTime.ToString("yyyyMMdd'T'HHmmss", System.Globalization.CultureInfo.InvariantCulture), PartitionDescriptor.Time(t, next)));
            }

            return list;
        });
    }

    /// <summary>Creates a partitioner with one partition per file matching a pattern in a directory, in ordinal order of path.</summary>
    /// <param name="directory">The directory.</param>
    /// <param name="searchPattern">The file name pattern, for example <c>*.jsonl</c>.</param>
    /// <returns>The partitioner; descriptors are <see cref="PartitionDescriptor.File"/>, ids are <c>file-NNNN</c>.</returns>
    /// <remarks>The files are listed when the run is planned; the plan then stays frozen for the run.</remarks>
    public static IPartitioner Files(string directory, string searchPattern = "*")
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        return new DelegatePartitioner(_ =>
        {
            if (!Directory.Exists(directory))
            {
                throw new DirectoryNotFoundException($"The input directory '{directory}' does not exist.");
            }

            var files = Directory.GetFiles(directory, searchPattern).Order(StringComparer.Ordinal).ToArray();
            return files.Select((f, i) => new Partition(i, "file-" + i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture), PartitionDescriptor.File(Path.GetFullPath(f)))).ToList();
        });
    }

    /// <summary>Creates a partitioner with a single partition holding the whole input.</summary>
    /// <returns>The partitioner; the partition id is <c>all</c>.</returns>
    public static IPartitioner SinglePartition() => new DelegatePartitioner(_ => [new Partition(0, "all", "all")]);

    private static List<Partition> Ranges(long start, long end, long size, string prefix, Func<long, long, string> descriptor)
    {
        var list = new List<Partition>();
        for (var a = start; a < end; a += size)
        {
            var b = Math.Min(end, a + size);
            list.Add(new Partition(list.Count, prefix + "-" + list.Count.ToString("D4", System.Globalization.CultureInfo.InvariantCulture), descriptor(a, b)));
        }

        return list;
    }

    private sealed class DelegatePartitioner(Func<PartitionPlanContext, IReadOnlyList<Partition>> plan) : IPartitioner
    {
        public ValueTask<IReadOnlyList<Partition>> PlanAsync(PartitionPlanContext context, CancellationToken cancellationToken) =>
            ValueTask.FromResult(plan(context));
    }
}
