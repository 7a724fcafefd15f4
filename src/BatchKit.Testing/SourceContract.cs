namespace BatchKit.Testing;

/// <summary>
/// The behaviour every <see cref="ISource{T}"/> must have: opened at any position a full read passed (its
/// <see cref="ISourceReader{T}.Position"/> after any record), a reader yields exactly the rest of that read, in order;
/// and bad records become error records with their positions, while the good ones around them are still read. Derive
/// one class, implement <see cref="CreateInput"/> and <see cref="CreateInputWithBadRecords"/>, and xUnit runs every
/// case against the source.
/// </summary>
/// <typeparam name="T">The record type the source reads; equal records must compare equal (a record type does).</typeparam>
/// <remarks>
/// xUnit creates one instance per test: create the inputs (files, objects, tables) in the constructor or on the first
/// call, and remove them in <c>Dispose</c>. The resume case opens the source once per record of the input, so keep the
/// inputs small (tens of records).
/// </remarks>
public abstract class SourceContract<T>
    where T : notnull
{
    private static readonly RunKey RunKey = new("source-contract", RunParameters.Of("date", "2026-11-22"));

    /// <summary>Creates the source under test and one partition of well-formed input for it.</summary>
    /// <returns>The source and the partition to read; the input must hold at least two records.</returns>
    protected abstract (ISource<T> Source, Partition Partition) CreateInput();

    /// <summary>Creates the source under test and one partition of input with known bad records.</summary>
    /// <returns>
    /// The source, the partition to read, and the offsets the bad records must be reported at
    /// (<see cref="ErrorRecordDraft.Offset"/>), in input order.
    /// </returns>
    protected abstract (ISource<T> Source, Partition Partition, IReadOnlyList<long> BadRecordOffsets) CreateInputWithBadRecords();

    /// <summary>Checks a reader opened at each position of a full read yields exactly the rest of that read, in order.</summary>
    /// <returns>A task that completes when the case has passed.</returns>
    [Fact]
    [Trait("Contract", "Source")]
    public async Task OpenAsync_AtEveryPositionOfAFullRead_YieldsExactlyTheRest()
    {
        var (source, partition) = CreateInput();

        await AssertResumesEverywhereAsync(source, partition);
    }

    /// <summary>Checks the resume guarantee holds over input with bad records: the rest of the good records, in order.</summary>
    /// <returns>A task that completes when the case has passed.</returns>
    [Fact]
    [Trait("Contract", "Source")]
    public async Task OpenAsync_AtEveryPositionOfAReadWithBadRecords_YieldsExactlyTheRest()
    {
        var (source, partition, _) = CreateInputWithBadRecords();

        await AssertResumesEverywhereAsync(source, partition);
    }

    /// <summary>Checks reading in chunks of any size yields the same records as reading one at a time.</summary>
    /// <returns>A task that completes when the case has passed.</returns>
    [Fact]
    [Trait("Contract", "Source")]
    public async Task ReadAsync_AnyBufferSize_YieldsTheSameRecords()
    {
        var (source, partition) = CreateInput();
        var one = await ReadAsync(source, partition, 0, 1, []);

        foreach (var size in new[] { 2, 7, 1000 })
        {
            var read = await ReadAsync(source, partition, 0, size, []);
            Assert.Equal(one.Records, read.Records);
        }
    }

    /// <summary>Checks each bad record is reported once, as a source error record at its offset, and the good records are still read.</summary>
    /// <returns>A task that completes when the case has passed.</returns>
    [Fact]
    [Trait("Contract", "Source")]
    public async Task ReadAsync_BadRecords_ReportsEachAsErrorRecordWithItsOffset()
    {
        var (source, partition, offsets) = CreateInputWithBadRecords();
        Assert.NotEmpty(offsets);
        var bad = new List<ErrorRecordDraft>();

        var read = await ReadAsync(source, partition, 0, 16, bad);

        Assert.Equal(offsets, bad.Select(b => b.Offset).ToList());
        Assert.All(bad, b =>
        {
            Assert.Equal(ErrorRecord.SourceStepName, b.Step);
            Assert.False(string.IsNullOrWhiteSpace(b.Reason), "an error record says why the record is bad");
        });
        Assert.NotEmpty(read.Records);
    }

    /// <summary>Checks a bad record read without an error handler fails the read rather than being dropped silently.</summary>
    /// <returns>A task that completes when the case has passed.</returns>
    [Fact]
    [Trait("Contract", "Source")]
    public async Task ReadAsync_BadRecordsWithoutHandler_Throws()
    {
        var (source, partition, _) = CreateInputWithBadRecords();

        var error = await Record.ExceptionAsync(() => ReadAsync(source, partition, 0, 16, null));

        Assert.NotNull(error);
    }

    /// <summary>Checks a run over input with bad records stores one error record per bad record, with its partition and offset, and writes the good records.</summary>
    /// <returns>A task that completes when the case has passed.</returns>
    [Fact]
    [Trait("Contract", "Source")]
    public async Task RunAsync_BadRecords_BecomeErrorRecordsWithTheirOffsets()
    {
        var (source, partition, offsets) = CreateInputWithBadRecords();
        var expected = await ReadAsync(source, partition, 0, 16, []);
        await using var store = new InMemoryCheckpointStore();
        var written = new List<T>();
        var job = Job.Create(RunKey.JobName)
            .ReadFrom(source)
            .PartitionBy(new FixedPartitioner(partition))
            .WriteTo(new DelegateSink<T>(records =>
            {
                lock (written)
                {
                    written.AddRange(records.ToArray());
                }
            }))
            .UseCheckpointStore(store)
            .Configure(o =>
            {
                o.MaxErrorRate = 1;
                o.MaxPartitionAttempts = 1;
            })
            .Build();

        var result = await new JobRunner(job).RunAsync(RunKey.Parameters, null, CancellationToken.None);

        Assert.Equal(RunStatus.Completed, result.Status);
        var errors = await store.QueryErrorsAsync(new ErrorQuery(result.RunKey.Value), CancellationToken.None);
        Assert.Equal(offsets, errors.Select(e => e.Offset).Order().ToList());
        Assert.All(errors, e =>
        {
            Assert.Equal(partition.Id, e.PartitionId);
            Assert.Equal(ErrorRecord.SourceStepName, e.Step);
        });
        Assert.Equal(offsets.Count, result.Errors);
        Assert.Equal(expected.Records, written);
    }

    private static async Task AssertResumesEverywhereAsync(ISource<T> source, Partition partition)
    {
        var full = await ReadAsync(source, partition, 0, 1, []);
        Assert.True(full.Records.Count >= 2, "the input must hold at least two records");
        for (var i = 1; i < full.Positions.Count; i++)
        {
            Assert.True(full.Positions[i] >= full.Positions[i - 1], $"the position never moves back (record {i - 1}: {full.Positions[i - 1]}, then {full.Positions[i]})");
        }

        for (var k = 0; k < full.Positions.Count; k++)
        {
            var rest = await ReadAsync(source, partition, full.Positions[k], 3, []);
            Assert.True(
                full.Records.Skip(k).SequenceEqual(rest.Records),
                $"Opened at position {full.Positions[k]} (after {k} of {full.Records.Count} records) the reader yielded {rest.Records.Count} records; the rest of the full read is {full.Records.Count - k}.");
        }
    }

    // Reads a partition to its end; Positions[k] is the reader's position after k records (Positions[0] the start).
    private static async Task<(List<T> Records, List<long> Positions)> ReadAsync(ISource<T> source, Partition partition, long position, int bufferSize, List<ErrorRecordDraft>? bad)
    {
        var records = new List<T>();
        var positions = new List<long> { position };
        var context = new SourceContext(RunKey, partition, position, bad is null ? null : bad.Add);
        await using var reader = await source.OpenAsync(context, CancellationToken.None);
        var buffer = new T[bufferSize];
        int read;
        while ((read = await reader.ReadAsync(buffer, CancellationToken.None)) > 0)
        {
            records.AddRange(buffer.AsSpan(0, read));
            if (bufferSize == 1)
            {
                positions.Add(reader.Position);
            }
        }

        return (records, positions);
    }

    private sealed class FixedPartitioner(Partition partition) : IPartitioner
    {
        public ValueTask<IReadOnlyList<Partition>> PlanAsync(PartitionPlanContext context, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IReadOnlyList<Partition>>([partition]);
    }
}
