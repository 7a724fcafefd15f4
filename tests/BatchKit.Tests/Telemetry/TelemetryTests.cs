using System.Diagnostics;
using BatchKit.Tests.Support;

namespace BatchKit.Tests.Telemetry;

/// <summary>The spans and metrics of real runs (JSON Lines files, SQLite store), collected through the OpenTelemetry SDK.</summary>
public sealed class TelemetryTests
{
    private static readonly RunParameters Date = RunParameters.Of("date", new DateOnly(2026, 12, 1));

    [Fact]
    public async Task RunAsync_WithSkippedBadRecords_SpansAndMetricsMatchTheResult()
    {
        using var temp = new TempDirectory();
        var jobName = "telemetry-" + Guid.NewGuid().ToString("N")[..8];
        using var capture = new TelemetryCapture(jobName);
        Items.WriteJsonLines(temp.File("input"), 3, 40, id => id % 10 == 0 && id <= 80 ? "not json at all" : null);
        var midRun = 0;
        IReadOnlyList<OpenTelemetry.Metrics.MetricSnapshot>? observed = null;
        await using var store = new SqliteCheckpointStore(temp.File("state.db"));
        var job = Job.Create(jobName)
            .ReadFrom(new JsonLinesSource<Item>())
            .PartitionBy(Partitioners.Files(temp.File("input"), "*.jsonl"))
            .Select(i =>
            {
                if (i.Id == 45 && Interlocked.Exchange(ref midRun, 1) == 0)
                {
                    observed = capture.Collect(); // while a partition runs: the observable gauges have something to say
                }

                return new Doubled(i.Id, i.Name, i.Value * 2);
            })
            .WriteTo(new JsonLinesSink<Doubled>(temp.File("output")))
            .WithCommitInterval(10)
            .WithParallelism(2)
            .Configure(o => o.MaxErrorRate = 1)
            .UseCheckpointStore(store)
            .Build();

        var result = await new JobRunner(job).RunAsync(Date);

        result.Status.Should().Be(RunStatus.Completed);
        result.Errors.Should().Be(8);
        result.RecordsRead.Should().Be(120);
        result.RecordsWritten.Should().Be(112);
        Items.ReadOutput(temp.File("output")).Should().HaveCount(112);

        // Spans: run → partition attempt → chunk commit.
        var spans = capture.Spans;
        var run = spans.Should().ContainSingle(s => s.OperationName == "batchkit.run").Subject;
        run.Status.Should().Be(ActivityStatusCode.Unset);
        run.GetTagItem("batchkit.run.key").Should().Be(result.RunKey.Value);
        run.GetTagItem("batchkit.run.status").Should().Be("Completed");
        run.GetTagItem("batchkit.records.read").Should().Be(result.RecordsRead);
        run.GetTagItem("batchkit.records.written").Should().Be(result.RecordsWritten);
        run.GetTagItem("batchkit.records.failed").Should().Be(result.Errors);
        run.GetTagItem("batchkit.lease.epoch").Should().NotBeNull();
        var partitions = spans.Where(s => s.OperationName == "batchkit.partition").ToList();
        partitions.Should().HaveCount(3);
        partitions.Should().OnlyContain(p => p.ParentSpanId == run.SpanId && p.TraceId == run.TraceId);
        partitions.Select(p => p.GetTagItem("batchkit.partition.id")).Should().OnlyHaveUniqueItems().And.NotContainNulls();
        partitions.Should().OnlyContain(p => Equals(p.GetTagItem("batchkit.partition.attempt"), 1) && Equals(p.GetTagItem("batchkit.partition.status"), "completed"));
        partitions.Sum(p => (long)p.GetTagItem("batchkit.records.failed")!).Should().Be(8);
        var chunks = spans.Where(s => s.OperationName == "batchkit.chunk.commit").ToList();
        chunks.Should().HaveCount(12, "40 records per file in chunks of 10");
        chunks.Should().OnlyContain(c => partitions.Any(p => p.SpanId == c.ParentSpanId));
        chunks.Sum(c => (long)c.GetTagItem("batchkit.records.written")!).Should().Be(result.RecordsWritten);
        chunks.Sum(c => (long)c.GetTagItem("batchkit.records.failed")!).Should().Be(result.Errors);

        // Counters equal the run's result; the failed-records counter is recorded.
        capture.Sum("batchkit.items.read").Should().Be(result.RecordsRead);
        capture.Sum("batchkit.items.processed").Should().Be(result.RecordsWritten);
        capture.Sum("batchkit.items.failed").Should().Be(result.Errors).And.BePositive();
        var duration = capture.Points("batchkit.job.duration").Should().ContainSingle().Subject;
        duration.GetHistogramCount().Should().Be(1);
        TelemetryCapture.TagsOf(duration)["batchkit.run.status"].Should().Be("Completed");
        capture.Points("batchkit.partition.duration").Sum(p => p.GetHistogramCount()).Should().Be(3);
        var attempts = capture.Points("batchkit.partition.attempts").Should().ContainSingle().Subject;
        TelemetryCapture.TagsOf(attempts)["batchkit.partition.status"].Should().Be("completed");
        attempts.GetSumLong().Should().Be(3);

        // The observable gauges, read while a partition ran.
        observed.Should().NotBeNull("the mid-run collection happened");
        OfJob(observed!, "batchkit.checkpoint.lag", jobName).Should().NotBeEmpty();
        OfJob(observed!, "batchkit.checkpoint.lag", jobName).Should().OnlyContain(p => p.GetGaugeLastValueDouble() >= 0);
        OfJob(observed!, "batchkit.queue.depth", jobName).Select(p => TelemetryCapture.TagsOf(p)["batchkit.stage"]).Should().Contain("sink");
        OfJob(observed!, "batchkit.run.error_rate", jobName).Should().ContainSingle();

        // No partition id, RunKey or record key is a metric tag.
        var ids = partitions.Select(p => (string)p.GetTagItem("batchkit.partition.id")!).Append(result.RunKey.Value).ToHashSet(StringComparer.Ordinal);
        var allPoints = capture.Collect().Concat(observed!).Where(m => m.MeterName == BatchKitDiagnostics.MeterName).SelectMany(m => m.MetricPoints).ToList();
        allPoints.Should().NotBeEmpty();
        foreach (var point in allPoints)
        {
            var tags = TelemetryCapture.TagsOf(point);
            tags.Keys.Should().NotContain(k => k.Contains("partition.id") || k.Contains("run.key") || k.Contains("record"));
            tags.Values.OfType<string>().Should().NotContain(v => ids.Contains(v));
        }
    }

    [Fact]
    public async Task RunAsync_FailingSink_RunAndPartitionSpansCarryTheErrorAndTheException()
    {
        using var temp = new TempDirectory();
        var jobName = "telemetry-fail-" + Guid.NewGuid().ToString("N")[..8];
        using var capture = new TelemetryCapture(jobName);
        Items.WriteJsonLines(temp.File("input"), 1, 30);
        var sink = new CollectingSink<Item> { BeforeWrite = _ => throw new InvalidDataException("the sink refuses chunk 1: expected a schema, found none") };
        await using var store = new SqliteCheckpointStore(temp.File("state.db"));
        var job = Job.Create(jobName)
            .ReadFrom(new JsonLinesSource<Item>())
            .PartitionBy(Partitioners.Files(temp.File("input"), "*.jsonl"))
            .WriteTo(sink)
            .WithCommitInterval(10)
            .UseCheckpointStore(store)
            .Build();

        var result = await new JobRunner(job).RunAsync(Date);

        result.Status.Should().Be(RunStatus.Failed);
        var spans = capture.Spans;
        var run = spans.Should().ContainSingle(s => s.OperationName == "batchkit.run").Subject;
        run.Status.Should().Be(ActivityStatusCode.Error);
        run.GetTagItem("batchkit.run.status").Should().Be("Failed");
        run.Events.Should().Contain(e => e.Name == "exception");
        var partition = spans.Should().ContainSingle(s => s.OperationName == "batchkit.partition").Subject;
        partition.ParentSpanId.Should().Be(run.SpanId);
        partition.Status.Should().Be(ActivityStatusCode.Error);
        partition.StatusDescription.Should().Contain("the sink refuses chunk 1");
        partition.GetTagItem("error.type").Should().Be(typeof(InvalidDataException).FullName);
        partition.Events.Should().Contain(e => e.Name == "exception"
            && Equals(e.Tags.FirstOrDefault(t => t.Key == "exception.type").Value, typeof(InvalidDataException).FullName));
        var chunk = spans.Should().ContainSingle(s => s.OperationName == "batchkit.chunk.commit").Subject;
        chunk.ParentSpanId.Should().Be(partition.SpanId);
        chunk.Status.Should().Be(ActivityStatusCode.Error);

        var duration = capture.Points("batchkit.job.duration").Should().ContainSingle().Subject;
        TelemetryCapture.TagsOf(duration)["batchkit.run.status"].Should().Be("Failed");
        var attempts = capture.Points("batchkit.partition.attempts").Should().ContainSingle().Subject;
        TelemetryCapture.TagsOf(attempts)["batchkit.partition.status"].Should().Be("failed");
    }

    [Fact]
    public async Task RunAsync_TransientPartitionFailure_CountsTheRetry()
    {
        using var temp = new TempDirectory();
        var jobName = "telemetry-retry-" + Guid.NewGuid().ToString("N")[..8];
        using var capture = new TelemetryCapture(jobName);
        Items.WriteJsonLines(temp.File("input"), 1, 30);
        var sink = new CollectingSink<Item> { BeforeWrite = n => n == 1 ? throw new IOException("disk hiccup on the first write") : ValueTask.CompletedTask };
        await using var store = new SqliteCheckpointStore(temp.File("state.db"));
        var job = Job.Create(jobName)
            .ReadFrom(new JsonLinesSource<Item>())
            .PartitionBy(Partitioners.Files(temp.File("input"), "*.jsonl"))
            .WriteTo(sink)
            .WithCommitInterval(10)
            .Configure(o =>
            {
                o.Retry.MaxRetries = 0;
                o.Retry.BaseDelay = TimeSpan.FromMilliseconds(10);
                o.MaxPartitionAttempts = 2;
            })
            .UseCheckpointStore(store)
            .Build();

        var result = await new JobRunner(job).RunAsync(Date);

        result.Status.Should().Be(RunStatus.Completed);
        var retries = capture.Points("batchkit.retries").Should().ContainSingle().Subject;
        TelemetryCapture.TagsOf(retries)["batchkit.operation"].Should().Be("partition");
        retries.GetSumLong().Should().Be(1);
        var partitions = capture.Spans.Where(s => s.OperationName == "batchkit.partition").OrderBy(s => s.StartTimeUtc).ToList();
        partitions.Select(p => p.GetTagItem("batchkit.partition.attempt")).Should().Equal(1, 2);
        partitions.Select(p => p.Status).Should().Equal(ActivityStatusCode.Error, ActivityStatusCode.Unset);
        capture.Sum("batchkit.items.processed").Should().Be(30);
    }

    private static List<OpenTelemetry.Metrics.MetricPoint> OfJob(IReadOnlyList<OpenTelemetry.Metrics.MetricSnapshot> snapshots, string name, string jobName) =>
        snapshots.Where(m => m.Name == name).SelectMany(m => m.MetricPoints)
            .Where(p => Equals(TelemetryCapture.TagsOf(p).GetValueOrDefault("batchkit.job.name"), jobName)).ToList();
}
