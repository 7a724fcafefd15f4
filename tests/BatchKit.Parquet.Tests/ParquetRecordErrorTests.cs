using BatchKit.Parquet;
using Parquet;
using Parquet.Schema;

namespace BatchKit.Parquet.Tests;

public sealed class ParquetRecordErrorTests : IDisposable
{
    private static readonly RunParameters Date = RunParameters.Of("date", new DateOnly(2026, 11, 22));
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Constructor_GuidAndTimeSpanProperties_RejectsNamingTypePropertyAndColumn()
    {
        var create = () => new ParquetSink<WithGuid>(_dir.Path);

        create.Should().Throw<ArgumentException>()
            .WithMessage("*WithGuid.TraceId*Guid*'trace_id'*")
            .And.Message.Should().Contain("WithGuid.Elapsed").And.Contain("TimeSpan").And.Contain("'elapsed'");
    }

    [Fact]
    public void Constructor_UnsupportedPropertyIgnored_IsAccepted()
    {
        var map = new ParquetRecordMap<WithGuid>().Ignore(r => r.TraceId).Ignore(r => r.Elapsed);

        var create = () => new ParquetSink<WithGuid>(_dir.Path, map: map);

        create.Should().NotThrow();
    }

    [Fact]
    public async Task RunAsync_NullsInRequiredProperties_BecomeErrorRecordsNamingFileRowGroupRowAndColumn()
    {
        var path = _dir.File("nulls.parquet");
        await WriteNullableAsync(path, rowGroups: 2, rowsPerGroup: 10, nullIdAt: 3, nullOriginAt: 15);
        await using var store = new InMemoryCheckpointStore();
        var output = new List<Shipment>();
        var job = Job.Create("nulls")
            .ReadFrom(new ParquetSource<Shipment>())
            .PartitionBy(ParquetPartitioner.ForFiles([path]))
            .WriteTo(new DelegateSink<Shipment>((_, records, _) =>
            {
                lock (output)
                {
                    output.AddRange(records.ToArray());
                }

                return ValueTask.CompletedTask;
            }))
            .Configure(o => o.MaxErrorRate = 1)
            .UseCheckpointStore(store)
            .Build();

        var result = await new JobRunner(job).RunAsync(Date);

        result.Status.Should().Be(RunStatus.Completed);
        result.RecordsRead.Should().Be(20);
        result.RecordsWritten.Should().Be(18);
        output.Select(s => s.Id).Should().NotContain(0).And.HaveCount(18);
        var errors = await store.QueryErrorsAsync(new ErrorQuery(result.RunKey.Value), CancellationToken.None);
        errors.Should().HaveCount(2);
        errors[0].Reason.Should().Contain(path).And.Contain("row group 0").And.Contain("row 3").And.Contain("'id'");
        errors[1].Reason.Should().Contain("row group 1").And.Contain("row 15").And.Contain("'origin'").And.Contain("Shipment.Origin");
    }

    [Fact]
    public async Task OpenAsync_MissingColumn_MessageHasBalancedQuotesAndParentheses()
    {
        var path = _dir.File("missing.parquet");
        await WriteNullableAsync(path, rowGroups: 1, rowsPerGroup: 1, nullIdAt: -1, nullOriginAt: -1);

        var open = async () => await new ParquetSource<NeedsLabel>().OpenAsync(new SourceContext(TestSupport.Run, TestSupport.FilePartition(path), 0), CancellationToken.None);

        var error = (await open.Should().ThrowAsync<ParquetSchemaException>()).Which;
        error.IsTransient.Should().BeFalse();
        error.Message.Count(c => c == '(').Should().Be(error.Message.Count(c => c == ')'), error.Message);
        (error.Message.Count(c => c == '\'') % 2).Should().Be(0, error.Message);
    }

    [Fact]
    public async Task RunAsync_SchemaMismatchOnEveryPartition_FailsAfterOneAttempt()
    {
        for (var f = 0; f < 4; f++)
        {
            await WriteNullableAsync(_dir.File($"in-{f}.parquet"), rowGroups: 1, rowsPerGroup: 5, nullIdAt: -1, nullOriginAt: -1);
        }

        await using var store = new InMemoryCheckpointStore();
        var job = Job.Create("mismatch")
            .ReadFrom(new ParquetSource<NeedsLabel>())
            .PartitionBy(ParquetPartitioner.ForDirectory(_dir.Path))
            .WriteTo(new DelegateSink<NeedsLabel>((_, _, _) => ValueTask.CompletedTask))
            .WithParallelism(1)
            .UseCheckpointStore(store)
            .Build();

        var result = await new JobRunner(job).RunAsync(Date);

        result.Status.Should().Be(RunStatus.Failed);
        result.Exception!.Message.Should().Contain("after 1 attempt(s)");
        var states = await store.GetPartitionStatesAsync(result.RunKey.Value, CancellationToken.None);
        states.Sum(s => s.Attempts).Should().Be(1, "a schema mismatch is not retried, and the other partitions are not started");
    }

    private static async Task WriteNullableAsync(string path, int rowGroups, int rowsPerGroup, int nullIdAt, int nullOriginAt)
    {
        var fields = new DataField[] { new("id", typeof(long), true), new("origin", typeof(string), true) };
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), stream);
        for (var g = 0; g < rowGroups; g++)
        {
            var rows = Enumerable.Range(g * rowsPerGroup, rowsPerGroup).ToArray();
            using var rowGroup = writer.CreateRowGroup();
            await rowGroup.WriteAsync(fields[0], (ReadOnlyMemory<long?>)rows.Select(r => r == nullIdAt ? (long?)null : r + 1).ToArray());
            await rowGroup.WriteAsync(fields[1], (ReadOnlyMemory<ReadOnlyMemory<char>?>)rows.Select(r => r == nullOriginAt ? (ReadOnlyMemory<char>?)null : ("o-" + r).AsMemory()).ToArray());
        }
    }

    public sealed record Shipment(long Id, string Origin);

    public sealed record NeedsLabel(long Id, string Label);

    public sealed class WithGuid
    {
        public long Id { get; set; }

        public Guid TraceId { get; set; }

        public TimeSpan Elapsed { get; set; }
    }
}
