using System.Threading.RateLimiting;
using BatchKit.Tests.Support;

namespace BatchKit.Tests.Failures;

public sealed class ErrorReprocessingTests
{
    private static readonly RunParameters Date = RunParameters.Of("date", new DateOnly(2026, 11, 22));

    [Fact]
    public async Task ErrorRecordSource_AfterFix_ReprocessesExactlyTheRejectedRecords()
    {
        await using var store = new InMemoryCheckpointStore();
        var items = Items.Create(1_000);
        var sink = new CollectingSink<Doubled>();
        var missingPrices = new HashSet<long> { 10, 250, 251, 999 };
        Doubled Price(Item i) => missingPrices.Contains(i.Id) ? throw new KeyNotFoundException($"no price for {i.Id}") : new Doubled(i.Id, i.Name, i.Value * 2);
        var nightly = Job.Create("prices")
            .ReadFrom(EnumerableSource<Item>.FromList(items))
            .PartitionBy(Partitioners.RowRanges(items.Count, 250))
            .Select(Price, "price")
            .WriteTo(sink)
            .UseCheckpointStore(store)
            .Build();
        var first = await new JobRunner(nightly).RunAsync(Date);
        first.Errors.Should().Be(4);

        missingPrices.Clear(); // the fix: prices were loaded
        var source = new ErrorRecordSource<Item>(store, first.RunKey.Value, filter: e => e.Step == "price");
        var reprocess = Job.Create("prices-errors")
            .ReadFrom(source)
            .PartitionBy(source.Partitions)
            .Select(Price, "price")
            .WriteTo(sink)
            .UseCheckpointStore(store)
            .Build();
        var second = await new JobRunner(reprocess).RunAsync(Date.With("reprocess-of", first.RunKey.Value));

        second.Status.Should().Be(RunStatus.Completed);
        second.Partitions.Should().Be(3, "errors came from partitions rows-0000, rows-0001 and rows-0003");
        second.Errors.Should().Be(0);
        sink.Records.Select(r => r.Id).Should().BeEquivalentTo(items.Select(i => i.Id), "every record reached the sink once: 996 first, the 4 fixed ones after");
    }

    [Fact]
    public async Task AddSideEffect_RateLimiter_IsSharedByAllPartitions()
    {
        using var limiter = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = 5,
            TokensPerPeriod = 5,
            ReplenishmentPeriod = TimeSpan.FromMilliseconds(1),
            AutoReplenishment = false,
            QueueLimit = 1_000,
        });
        var calls = 0;
        var items = Items.Create(40);
        var job = Job.Create("limited")
            .ReadFrom(EnumerableSource<Item>.FromList(items))
            .PartitionBy(Partitioners.RowRanges(items.Count, 10))
            .AddSideEffect(i => i.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), (_, _, _) =>
            {
                Interlocked.Increment(ref calls);
                return ValueTask.CompletedTask;
            }, limiter)
            .WriteTo(new CollectingSink<Item>())
            .WithParallelism(4)
            .WithCommitInterval(2)
            .UseCheckpointStore(new InMemoryCheckpointStore())
            .Build();

        var run = new JobRunner(job).RunAsync(Date);
        for (var permits = 5; permits <= 40; permits += 5)
        {
            await WaitUntilAsync(() => Volatile.Read(ref calls) == permits);
            await Task.Delay(100);
            Volatile.Read(ref calls).Should().Be(permits, "4 partitions in parallel share one budget of 5 calls per period");
            limiter.TryReplenish();
        }

        (await run).Status.Should().Be(RunStatus.Completed);
        calls.Should().Be(40);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 1_000 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        condition().Should().BeTrue();
    }
}
