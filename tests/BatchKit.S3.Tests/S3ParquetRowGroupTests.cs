using System.Collections.Concurrent;
using BatchKit.Parquet;
using BatchKit.S3;

namespace BatchKit.S3.Tests;

/// <summary>Parquet objects split into row-group partitions (<see cref="ParquetPartitioner.ByRowGroups"/>) on a real radosgw.</summary>
public sealed class S3ParquetRowGroupTests(S3TestBucket bucket) : IClassFixture<S3TestBucket>
{
    private static readonly RunParameters Day = RunParameters.Of("date", new DateOnly(2026, 11, 22));

    private S3InputOpener Opener => new(bucket.Client, blockSize: 64 << 10, readAheadBlocks: 2);

    [Fact]
    public async Task ByRowGroups_OverS3Objects_PlansRowGroupRanges_AndAJobReadsEveryRowOnce_AsFromLocalFiles()
    {
        using var folder = new TempFolder();
        var a = await WriteParquetAsync(folder, "a", 0, 30_000); // 8 row groups of 4,000 (the last one 2,000)
        var b = await WriteParquetAsync(folder, "b", 30_000, 10_000); // 3 row groups
        await bucket.PutAsync("rg/dt=2026-11-22/a.parquet", await File.ReadAllBytesAsync(a));
        await bucket.PutAsync("rg/dt=2026-11-22/b.parquet", await File.ReadAllBytesAsync(b));
        var objects = new S3ObjectPartitioner(bucket.Client, bucket.Uri("rg/dt={date}/"), "*.parquet");
        var partitioner = ParquetPartitioner.ByRowGroups(objects, 3, Opener);

        var context = new PartitionPlanContext(new RunKey("rg", Day));
        var whole = await objects.PlanAsync(context, CancellationToken.None);
        var plan = await partitioner.PlanAsync(context, CancellationToken.None);

        plan.Select(p => p.Id).Should().Equal("a-rg-0000", "a-rg-0003", "a-rg-0006", "b-rg-0000");
        plan.Select(p => p.Index).Should().Equal(0, 1, 2, 3);
        plan[1].Descriptor.Should().Be($"parquet:{bucket.Uri("rg/dt=2026-11-22/a.parquet")}#rg=3-6");
        plan[2].Descriptor.Should().EndWith("#rg=6-8");
        plan.Take(3).Select(p => p.InputIdentity).Should().AllBe(whole[0].InputIdentity);
        plan[3].InputIdentity.Should().Be(whole[1].InputIdentity);
        partitioner.Definition.Should().Be(objects.Definition + ", 3 row groups per partition");

        var fromS3 = await RunAsync("rg-s3", partitioner, new ParquetSource<Event>() { Opener = Opener });
        var fromDisk = await RunAsync("rg-local", ParquetPartitioner.ByRowGroups(ParquetPartitioner.ForFiles([a, b]), 3), new ParquetSource<Event>());

        // Every row exactly once (ordered comparisons: equivalence matching of 40,000 items is quadratic).
        fromS3.Rows.Select(e => e.Id).Order().Should().Equal(Enumerable.Range(0, 40_000).Select(i => (long)i));
        fromS3.Rows.OrderBy(e => e.Id).Should().Equal(fromDisk.Rows.OrderBy(e => e.Id));
        fromS3.Result.Partitions.Should().Be(4);
        fromDisk.Result.Partitions.Should().Be(4);
    }

    [Fact]
    public async Task ByRowGroups_ObjectThatIsNotParquet_FailsPlanningNamingTheObject()
    {
        await bucket.PutAsync("rg-bad/dt=2026-11-22/notes.parquet", "id,name\n1,a\n");
        var partitioner = ParquetPartitioner.ByRowGroups(new S3ObjectPartitioner(bucket.Client, bucket.Uri("rg-bad/dt={date}/"), "*.parquet"), 2, Opener);

        var plan = () => partitioner.PlanAsync(new PartitionPlanContext(new RunKey("rg-bad", Day)), CancellationToken.None).AsTask();

        (await plan.Should().ThrowAsync<InvalidDataException>()).Which.Message
            .Should().Contain(bucket.Uri("rg-bad/dt=2026-11-22/notes.parquet")).And.Contain("row-group partitions");
    }

    private static async Task<(List<Event> Rows, RunResult Result)> RunAsync(string name, IPartitioner partitioner, ParquetSource<Event> source)
    {
        var rows = new ConcurrentQueue<Event>();
        var job = Job.Create(name)
            .ReadFrom(source)
            .PartitionBy(partitioner)
            .WriteTo(new DelegateSink<Event>(chunk =>
            {
                foreach (var e in chunk.Span)
                {
                    rows.Enqueue(e);
                }
            }))
            .WithCommitInterval(1_000)
            .UseCheckpointStore(new InMemoryCheckpointStore())
            .Build();
        var result = await new JobRunner(job).RunAsync(Day);
        result.Status.Should().Be(RunStatus.Completed);
        return ([.. rows], result);
    }

    private static async Task<string> WriteParquetAsync(TempFolder folder, string name, int first, int count)
    {
        var sink = new ParquetSink<Event>(folder.Path, new ParquetSinkOptions { RowGroupSize = 4_000 });
        var run = new RunKey("rg-input-" + name, RunParameters.Empty);
        var partition = new Partition(0, name, PartitionDescriptor.File("unused"));
        await using (var writer = await sink.OpenAsync(new SinkContext(run, partition, null), CancellationToken.None))
        {
            await writer.WriteAsync(Enumerable.Range(first, count).Select(i => new Event(i, "name-" + i, i % 97)).ToArray(), CancellationToken.None);
            await writer.CompleteAsync(CancellationToken.None);
        }

        return sink.GetFilePath(run, partition);
    }
}
