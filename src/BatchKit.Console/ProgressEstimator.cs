namespace BatchKit;

/// <summary>
/// Rates and remaining time from successive <see cref="RunProgress"/> snapshots. Rates are taken over a sliding window
/// of the snapshots' own <see cref="RunProgress.Elapsed"/> clock; the remaining time from the share of the run done,
/// where a running partition counts by its records read against its planned records
/// (<see cref="PartitionProgress.ExpectedRecords"/>) or, when the plan does not say, against the average of the
/// completed partitions of its kind (extract or not).
/// </summary>
internal sealed class ProgressEstimator(TimeSpan window)
{
    private readonly Queue<(TimeSpan At, long Read)> _run = new();
    private readonly Dictionary<string, Queue<(TimeSpan At, long Read)>> _partitions = new(StringComparer.Ordinal);

    /// <summary>Gets the run's records read per second over the window.</summary>
    public double RunRate { get; private set; }

    /// <summary>Takes a snapshot into the windows.</summary>
    public void Add(RunProgress progress)
    {
        RunRate = Push(_run, progress.Elapsed, progress.RecordsRead);
        foreach (var partition in progress.Partitions)
        {
            if (partition.Status == PartitionStatus.Running)
            {
                if (!_partitions.TryGetValue(partition.Id, out var samples))
                {
                    _partitions[partition.Id] = samples = new Queue<(TimeSpan, long)>();
                }

                Push(samples, progress.Elapsed, partition.RecordsRead);
            }
            else
            {
                _partitions.Remove(partition.Id);
            }
        }
    }

    /// <summary>Gets a running partition's records read per second over the window.</summary>
    public double RateOf(PartitionProgress partition) =>
        _partitions.TryGetValue(partition.Id, out var samples) && samples.Count > 1 ? Rate(samples) : 0;

    /// <summary>Gets the records a partition is expected to read: planned, or estimated from completed partitions of its kind; <see langword="null"/> when neither is known.</summary>
    public static double? Expected(RunProgress progress, PartitionProgress partition)
    {
        if (partition.ExpectedRecords is { } planned)
        {
            return planned;
        }

        var extract = IsExtract(partition);
        long sum = 0;
        var count = 0;
        foreach (var p in progress.Partitions)
        {
            if (p.Status == PartitionStatus.Completed && IsExtract(p) == extract)
            {
                sum += p.RecordsRead;
                count++;
            }
        }

        return count == 0 ? null : (double)sum / count;
    }

    /// <summary>Gets the share of a partition done, between 0 and 1, or <see langword="null"/> when it cannot be told.</summary>
    public static double? Fraction(RunProgress progress, PartitionProgress partition) => partition.Status switch
    {
        PartitionStatus.Completed or PartitionStatus.Failed => 1,
        PartitionStatus.Pending => 0,
        _ => Expected(progress, partition) is { } expected and > 0 ? Math.Min(partition.RecordsRead / expected, 0.99) : null,
    };

    /// <summary>Gets the estimated time left for the run, or <see langword="null"/> while too little is done to tell.</summary>
    public static TimeSpan? RunRemaining(RunProgress progress)
    {
        if (progress.Partitions.Count == 0)
        {
            return null;
        }

        double done = 0;
        foreach (var partition in progress.Partitions)
        {
            done += Fraction(progress, partition) ?? 0;
        }

        var share = done / progress.Partitions.Count;
        return share is <= 0.001 or >= 1 ? (share >= 1 ? TimeSpan.Zero : null) : TimeSpan.FromSeconds(progress.Elapsed.TotalSeconds * (1 - share) / share);
    }

    /// <summary>Gets the estimated time left for a running partition, or <see langword="null"/> when its size or rate is unknown.</summary>
    public TimeSpan? Remaining(RunProgress progress, PartitionProgress partition)
    {
        var rate = RateOf(partition);
        return Expected(progress, partition) is { } expected && rate > 0
            ? TimeSpan.FromSeconds(Math.Max(expected - partition.RecordsRead, 0) / rate)
            : null;
    }

    private static bool IsExtract(PartitionProgress partition) => partition.Id.StartsWith("extract-", StringComparison.Ordinal);

    private double Push(Queue<(TimeSpan At, long Read)> samples, TimeSpan at, long read)
    {
        samples.Enqueue((at, read));
        while (samples.Count > 2 && at - samples.Peek().At > window)
        {
            samples.Dequeue();
        }

        return Rate(samples);
    }

    private static double Rate(Queue<(TimeSpan At, long Read)> samples)
    {
        var first = samples.Peek();
        var last = samples.Last();
        var seconds = (last.At - first.At).TotalSeconds;
        return seconds <= 0 ? 0 : Math.Max(last.Read - first.Read, 0) / seconds;
    }
}
