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
        return new DelegatePartitioner(
            Invariant($"rows [0, {totalRows}) in ranges of {rowsPerPartition}"),
            _ => Ranges(0, totalRows, rowsPerPartition, "rows", PartitionDescriptor.Rows));
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
        return new DelegatePartitioner(
            Invariant($"keys [{minKey}, {maxKeyExclusive}) in {partitionCount} ranges"),
            _ => Ranges(minKey, maxKeyExclusive, size, "keys", PartitionDescriptor.Keys));
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
        return new DelegatePartitioner(Invariant($"time [{start.UtcDateTime:O}, {end.UtcDateTime:O}) in buckets of {bucket}"), _ =>
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
    /// <returns>
    /// The partitioner; descriptors are <see cref="PartitionDescriptor.File"/>, ids derive from the file names
    /// (<see cref="PartitionIds.FromRelativePaths"/>: <c>events-01.jsonl</c> gives <c>events-01</c>), and each partition
    /// records its file's <see cref="InputIdentity"/>.
    /// </returns>
    /// <remarks>The files are listed when the run is planned; the plan then stays frozen for the run.</remarks>
    public static IPartitioner Files(string directory, string searchPattern = "*")
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var root = Path.GetFullPath(directory);
        return new DelegatePartitioner($"files matching '{searchPattern}' in '{root}'", _ =>
        {
            if (!Directory.Exists(root))
            {
                throw new DirectoryNotFoundException($"The input directory '{root}' does not exist.");
            }

            var files = Directory.GetFiles(root, searchPattern).Order(StringComparer.Ordinal).ToArray();
            return ForFiles(root, files);
        });
    }

    /// <summary>Makes one partition per file, with ids derived from the paths relative to <paramref name="root"/> and the files' input identities.</summary>
    /// <param name="root">The directory the ids are relative to.</param>
    /// <param name="files">The full paths, in plan order.</param>
    /// <returns>The partitions.</returns>
    internal static List<Partition> ForFiles(string root, IReadOnlyList<string> files)
    {
        var ids = PartitionIds.FromRelativePaths(files.Select(f => Path.GetRelativePath(root, f)).ToList());
        return files.Select((f, i) => new Partition(i, ids[i], PartitionDescriptor.File(f)) { InputIdentity = InputIdentity.OfFile(f) }).ToList();
    }

    /// <summary>Creates a partitioner with a single partition holding the whole input.</summary>
    /// <returns>The partitioner; the partition id is <c>all</c>.</returns>
    public static IPartitioner SinglePartition() => new DelegatePartitioner("a single partition", _ => [new Partition(0, "all", "all")]);

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

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);

    private sealed class DelegatePartitioner(string definition, Func<PartitionPlanContext, IReadOnlyList<Partition>> plan) : IPartitioner
    {
        public string Definition => definition;

        public ValueTask<IReadOnlyList<Partition>> PlanAsync(PartitionPlanContext context, CancellationToken cancellationToken) =>
            ValueTask.FromResult(plan(context));
    }
}
