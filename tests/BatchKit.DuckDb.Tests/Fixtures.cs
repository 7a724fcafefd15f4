using System.Globalization;

namespace BatchKit.DuckDb.Tests;

/// <summary>Builds the NightlyAnalytics shape: daily_aggregates keyed by (event_date, user_id, event_type, hour), partitions are user_id % buckets.</summary>
internal static class Fixtures
{
    public const int Buckets = 8;

    public static readonly DateOnly Date = new(2024, 3, 15);

    public static RunKey RunKey(DateOnly date) => new("nightly-analytics", RunParameters.Of("date", date));

    public static Partition Bucket(int bucket) =>
        new(bucket, "hash-" + bucket.ToString("D4", CultureInfo.InvariantCulture), PartitionDescriptor.Hash(bucket, Buckets));

    public static DuckDbTableMapping<DailyAggregate> Mapping() =>
        new DuckDbTableMapping<DailyAggregate>("daily_aggregates").HasKey(x => x.EventDate, x => x.UserId, x => x.EventType, x => x.Hour);

    public static DuckDbSink<DailyAggregate> Sink(TestDatabase db, WriteDisposition disposition, bool runSlice = false) =>
        new(Mapping(), new DuckDbSinkOptions
        {
            ConnectionString = db.ConnectionString,
            Disposition = disposition,
            RunSlice = runSlice ? runKey => DuckDbSlice.Where("event_date = $date", ("date", DateOnly.Parse(runKey.Parameters["date"], CultureInfo.InvariantCulture))) : null,
            Slice = context => DuckDbSlice.Where(
                "event_date = $date AND user_id % $buckets = $bucket",
                ("date", DateOnly.Parse(context.RunKey.Parameters["date"], CultureInfo.InvariantCulture)),
                ("buckets", PartitionDescriptor.ParseHash(context.Partition.Descriptor).Count),
                ("bucket", PartitionDescriptor.ParseHash(context.Partition.Descriptor).Bucket)),
        });

    /// <summary>Rows of one bucket: users u with u % Buckets == bucket, 4 event types, a few hours.</summary>
    public static DailyAggregate[] Rows(DateOnly date, int bucket, int users, int seed = 0) =>
        Enumerable.Range(0, users)
            .Select(u => ((long)u * Buckets) + bucket)
            .SelectMany(user => new[] { "click", "view", "buy", "share" }.SelectMany(type => Enumerable.Range(0, 3).Select(hour =>
                new DailyAggregate(date, user, type, hour, user + hour + seed, ((user * 7) + hour + seed) / 4.0))))
            .ToArray();

    /// <summary>A fencing token of the given epoch that the state store always confirms.</summary>
    public static FencingToken Token(long epoch, string owner = "test-owner") => new(owner, epoch, _ => ValueTask.FromResult(true));

    /// <summary>Writes a partition attempt in chunks, commits each chunk, and completes it unless told not to.</summary>
    public static async Task<long> RunPartitionAsync<T>(
        ISink<T> sink, RunKey runKey, Partition partition, IReadOnlyList<T> records, int chunkSize = 100, long? resume = null, bool complete = true, FencingToken? fence = null)
    {
        await using var writer = await sink.OpenAsync(new SinkContext(runKey, partition, resume) { Fence = fence ?? FencingToken.Unfenced }, CancellationToken.None);
        long position = 0;
        foreach (var chunk in records.Chunk(chunkSize))
        {
            await writer.WriteAsync(chunk, CancellationToken.None);
            position = await writer.CommitAsync(CancellationToken.None);
        }

        if (complete)
        {
            await writer.CompleteAsync(CancellationToken.None);
        }

        return position;
    }
}
