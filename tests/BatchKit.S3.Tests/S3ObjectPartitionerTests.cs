using BatchKit.S3;

namespace BatchKit.S3.Tests;

public sealed class S3ObjectPartitionerTests(S3TestBucket bucket) : IClassFixture<S3TestBucket>
{
    private static readonly RunParameters Day = RunParameters.Of("date", new DateOnly(2026, 11, 22));

    [Fact]
    public async Task PlanAsync_PlaceholderAndGlob_OnePartitionPerMatchingObjectAcrossPages()
    {
        foreach (var key in new[] { "p1/dt=2026-11-22/b.parquet", "p1/dt=2026-11-22/a.parquet", "p1/dt=2026-11-22/c.csv", "p1/dt=2026-11-22/hour=03/d.parquet", "p1/dt=2026-11-23/e.parquet", "p1/dt=2026-11-22/_manifests/x.parquet" })
        {
            await bucket.PutAsync(key, "content of " + key);
        }

        var top = new S3ObjectPartitioner(bucket.Client, $"s3://{bucket.Name}/p1/dt={{date}}/", "*.parquet") { PageSize = 1 };
        var plan = await top.PlanAsync(new PartitionPlanContext(new RunKey("job", Day)), CancellationToken.None);

        plan.Select(p => p.Id).Should().Equal("a", "b");
        plan[0].Descriptor.Should().Be($"file:s3://{bucket.Name}/p1/dt=2026-11-22/a.parquet");
        plan[0].InputIdentity.Should().MatchRegex($"^size={"content of p1/dt=2026-11-22/a.parquet".Length};etag=[0-9a-f]{{32}};path=s3://{bucket.Name}/p1/dt=2026-11-22/a.parquet$");

        var deep = new S3ObjectPartitioner(bucket.Client, $"s3://{bucket.Name}/p1/dt={{date}}/", "**.parquet") { PageSize = 2 };
        (await deep.PlanAsync(new PartitionPlanContext(new RunKey("job", Day)), CancellationToken.None)).Select(p => p.Id)
            .Should().Equal("_manifests_x", "a", "b", "hour_03_d");

        var all = new S3ObjectPartitioner(bucket.Client, $"s3://{bucket.Name}/p1/dt={{date}}/");
        (await all.PlanAsync(new PartitionPlanContext(new RunKey("job", Day)), CancellationToken.None)).Should().HaveCount(5);
        top.Definition.Should().Contain("{date}").And.Contain("*.parquet");
    }

    [Fact]
    public async Task PlanAsync_UnknownPlaceholder_NamesIt()
    {
        var partitioner = new S3ObjectPartitioner(bucket.Client, $"s3://{bucket.Name}/raw/dt={{day}}/");
        var plan = () => partitioner.PlanAsync(new PartitionPlanContext(new RunKey("job", Day)), CancellationToken.None).AsTask();
        (await plan.Should().ThrowAsync<JobValidationException>()).Which.Message.Should().Contain("'day'").And.Contain("'date'");
    }

    [Fact]
    public async Task PlanAsync_MissingBucket_FailsAtOnceNamingIt()
    {
        var partitioner = new S3ObjectPartitioner(bucket.Client, "s3://bk-no-such-bucket-" + Guid.NewGuid().ToString("N")[..8] + "/raw/");
        var plan = () => partitioner.PlanAsync(new PartitionPlanContext(new RunKey("job", Day)), CancellationToken.None).AsTask();
        var error = (await plan.Should().ThrowAsync<S3StorageException>()).Which;
        error.Message.Should().Contain("bk-no-such-bucket-").And.Contain("does not exist").And.Contain("NoSuchBucket");
        error.IsTransient.Should().BeFalse();
        error.Message.Should().NotContain(Testing.Services.TestServices.S3SecretKey);
    }

    [Fact]
    public async Task RunAsync_ObjectChangedBetweenAttempts_FailsNamingIt_ReprocessReadsTheNewObject()
    {
        await bucket.PutAsync("p2/a.jsonl", "{\"id\":1,\"name\":\"a\",\"value\":1}\n");
        await bucket.PutAsync("p2/b.jsonl", "{\"id\":2,\"name\":\"b\",\"value\":2}\n");
        using var output = new TempFolder();
        var store = new InMemoryCheckpointStore();
        var fail = true;
        Job Build() => Job.Create("s3-changed")
            .ReadFrom(new JsonLinesSource<Event>() { Opener = new S3InputOpener(bucket.Client) })
            .PartitionBy(new S3ObjectPartitioner(bucket.Client, $"s3://{bucket.Name}/p2/", "*.jsonl"))
            .Select(e => fail && e.Name == "b" ? throw new InvalidDataException("poison") : e)
            .ConfigureSkip(s => s.IsSkippable = _ => false)
            .WriteTo(new JsonLinesSink<Event>(output.Path))
            .Configure(o => o.MaxPartitionAttempts = 1)
            .UseCheckpointStore(store)
            .Build();

        (await new JobRunner(Build()).RunAsync(RunParameters.Empty)).Status.Should().Be(RunStatus.Failed);
        await bucket.PutAsync("p2/b.jsonl", "{\"id\":2,\"name\":\"b\",\"value\":20}\n{\"id\":3,\"name\":\"c\",\"value\":3}\n");
        fail = false;

        var changed = await new JobRunner(Build()).RunAsync(RunParameters.Empty);
        changed.Status.Should().Be(RunStatus.Failed);
        changed.Exception.Should().BeOfType<PlanMismatchException>()
            .Which.Message.Should().Contain($"'s3://{bucket.Name}/p2/b.jsonl' changed").And.Contain("etag").And.Contain("size");

        var again = await new JobRunner(Build()).RunAsync(RunParameters.Empty, new RunOptions { Reprocess = true });
        again.Status.Should().Be(RunStatus.Completed);
        again.RecordsWritten.Should().Be(3);
    }
}
