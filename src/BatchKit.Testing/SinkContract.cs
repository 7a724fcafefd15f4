namespace BatchKit.Testing;

/// <summary>
/// The behaviour every <see cref="ISink{T}"/> must have: what it publishes equals its input; a crash at any point of a
/// write (before the writer's commit, after the commit but before the checkpoint, while publishing a partition, while
/// completing the run) and a resume through <see cref="JobRunner"/> leave exactly the clean run's output; replaying a
/// completed run changes nothing; reprocessing writes the output once; and a writer whose lease was taken over by a
/// newer epoch never changes published output. Derive one class, implement <see cref="CreateSink"/>,
/// <see cref="ReadPublishedAsync"/> and <see cref="CreateRecord"/>, and xUnit runs every case against the sink.
/// </summary>
/// <typeparam name="T">The record type the sink writes; equal records must compare equal (a record type does).</typeparam>
/// <remarks>
/// xUnit creates one instance per test: give each instance a destination of its own (a folder, a table, a prefix) in its
/// constructor and remove it in <c>Dispose</c>. The crashes are exceptions thrown around the real writer's calls, the
/// resumes are new <see cref="JobRunner"/> runs over a new sink instance and the same <see cref="ICheckpointStore"/>,
/// as after a process restart. A sink the cases create is disposed when they are done with it if it is
/// <see cref="IAsyncDisposable"/> or <see cref="IDisposable"/>.
/// </remarks>
public abstract class SinkContract<T>
    where T : notnull
{
    private const string JobName = "sink-contract";
    private static readonly RunParameters Parameters = RunParameters.Of("date", "2026-11-22");

    /// <summary>Gets the number of records each run writes: 120 unless overridden.</summary>
    protected virtual int RecordCount => 120;

    /// <summary>Gets the number of records of each row-range partition of the runs: 40 unless overridden (three partitions).</summary>
    protected virtual int RecordsPerPartition => 40;

    /// <summary>Gets the commit interval of the runs: 10 unless overridden, so each partition commits several chunks.</summary>
    protected virtual int CommitInterval => 10;

    /// <summary>Gets the run key every case writes under.</summary>
    protected static RunKey RunKey { get; } = new(JobName, Parameters);

    /// <summary>Creates a new instance of the sink under test, writing to this instance's destination.</summary>
    /// <returns>The sink. Every call writes to the same destination, as the same job does after a restart.</returns>
    protected abstract ISink<T> CreateSink();

    /// <summary>Reads back what the sink published for <paramref name="runKey"/>: only published output, no staged or partial data.</summary>
    /// <param name="runKey">The run whose output to read.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The published records, in any order.</returns>
    protected abstract ValueTask<IReadOnlyList<T>> ReadPublishedAsync(RunKey runKey, CancellationToken cancellationToken);

    /// <summary>Creates the input record number <paramref name="index"/>; different indexes give different records (and keys).</summary>
    /// <param name="index">The record's position in the input, from 0 to <see cref="RecordCount"/> - 1.</param>
    /// <returns>The record.</returns>
    protected abstract T CreateRecord(int index);

    /// <summary>Creates the checkpoint store the runs of one case share: an <see cref="InMemoryCheckpointStore"/> unless overridden.</summary>
    /// <returns>The store; the case disposes it.</returns>
    protected virtual ICheckpointStore CreateStore() => new InMemoryCheckpointStore();

    /// <summary>Checks a partition written in chunks, committed after each and completed publishes exactly its records.</summary>
    /// <returns>A task that completes when the case has passed.</returns>
    [Fact]
    [Trait("Contract", "Sink")]
    public async Task WriteCommitComplete_OnePartition_PublishesExactlyTheInput()
    {
        var partition = Partition(0);
        var records = Records(partition);

        await UsingSinkAsync(sink => WritePartitionAsync(sink, partition, records, Held(1), complete: true));

        ContractAssert.SameRecords(records, await ReadPublishedAsync(RunKey, CancellationToken.None), "a completed partition publishes its records once");
    }

    /// <summary>Checks a run of several partitions through <see cref="JobRunner"/> publishes exactly its input.</summary>
    /// <returns>A task that completes when the case has passed.</returns>
    [Fact]
    [Trait("Contract", "Sink")]
    public async Task RunAsync_CleanRun_PublishesExactlyTheInput()
    {
        await using var store = CreateStore();

        var result = await RunAsync(store, null, null);

        Assert.Equal(RunStatus.Completed, result.Status);
        ContractAssert.SameRecords(Input(), await ReadPublishedAsync(RunKey, CancellationToken.None), "a clean run publishes its input once");
    }

    /// <summary>Checks a crash after a chunk was written but before the writer's commit, then a resume, leaves the clean run's output.</summary>
    /// <returns>A task that completes when the case has passed.</returns>
    [Fact]
    [Trait("Contract", "Sink")]
    public Task RunAsync_CrashBeforeCommitThenResume_PublishesTheCleanOutput() => CrashThenResumeAsync(SinkCrashPoint.BeforeCommit);

    /// <summary>Checks a crash after the writer's commit but before the checkpoint was saved, then a resume, leaves the clean run's output.</summary>
    /// <returns>A task that completes when the case has passed.</returns>
    [Fact]
    [Trait("Contract", "Sink")]
    public Task RunAsync_CrashAfterCommitBeforeCheckpointThenResume_PublishesTheCleanOutput() => CrashThenResumeAsync(SinkCrashPoint.AfterCommit);

    /// <summary>Checks a crash as a partition starts to publish (before the writer's complete), then a resume, leaves the clean run's output.</summary>
    /// <returns>A task that completes when the case has passed.</returns>
    [Fact]
    [Trait("Contract", "Sink")]
    public Task RunAsync_CrashBeforePartitionPublishThenResume_PublishesTheCleanOutput() => CrashThenResumeAsync(SinkCrashPoint.BeforeComplete);

    /// <summary>Checks a crash after a partition published but before it was marked completed, then a resume, leaves the clean run's output.</summary>
    /// <returns>A task that completes when the case has passed.</returns>
    [Fact]
    [Trait("Contract", "Sink")]
    public Task RunAsync_CrashAfterPartitionPublishThenResume_PublishesTheCleanOutput() => CrashThenResumeAsync(SinkCrashPoint.AfterComplete);

    /// <summary>
    /// Checks a crash during the run-level publish (<see cref="IRunCompletingSink.CompleteRunAsync"/>), then a resume,
    /// leaves the clean run's output. A sink that publishes per partition has no run-level publish: the case then
    /// proves a crash-free run, with the same assertions.
    /// </summary>
    /// <returns>A task that completes when the case has passed.</returns>
    [Fact]
    [Trait("Contract", "Sink")]
    public Task RunAsync_CrashDuringRunPublishThenResume_PublishesTheCleanOutput() => CrashThenResumeAsync(SinkCrashPoint.CompleteRun);

    /// <summary>Checks running a completed run again reports it completed and changes nothing the sink published.</summary>
    /// <returns>A task that completes when the case has passed.</returns>
    [Fact]
    [Trait("Contract", "Sink")]
    public async Task RunAsync_CompletedRunReplayed_ChangesNothing()
    {
        await using var store = CreateStore();
        (await RunAsync(store, null, null)).EnsureSucceeded();
        var published = await ReadPublishedAsync(RunKey, CancellationToken.None);

        var replay = await RunAsync(store, null, null);

        Assert.Equal(RunStatus.Completed, replay.Status);
        Assert.True(replay.WasAlreadyCompleted, "a completed run is not processed again");
        ContractAssert.SameRecords(published, await ReadPublishedAsync(RunKey, CancellationToken.None), "replaying a completed run changes nothing");
    }

    /// <summary>Checks reprocessing a completed run (<see cref="RunOptions.Reprocess"/>) leaves its output exactly once.</summary>
    /// <returns>A task that completes when the case has passed.</returns>
    [Fact]
    [Trait("Contract", "Sink")]
    public async Task RunAsync_CompletedRunReprocessed_PublishesTheOutputOnce()
    {
        await using var store = CreateStore();
        (await RunAsync(store, null, null)).EnsureSucceeded();

        var again = await RunAsync(store, new RunOptions { Reprocess = true }, null);

        Assert.Equal(RunStatus.Completed, again.Status);
        Assert.False(again.WasAlreadyCompleted, "reprocessing runs the partitions again");
        ContractAssert.SameRecords(Input(), await ReadPublishedAsync(RunKey, CancellationToken.None), "reprocessing replaces the output rather than adding to it");
    }

    /// <summary>
    /// Checks a writer whose lease was taken over by a newer epoch (its fencing token no longer confirms), opened after
    /// that epoch published, throws <see cref="LeaseLostException"/> and never changes the published output.
    /// </summary>
    /// <returns>A task that completes when the case has passed.</returns>
    [Fact]
    [Trait("Contract", "Sink")]
    public async Task FencedOutWriter_OpenedAfterNewerEpochPublished_ThrowsLeaseLostAndChangesNothing()
    {
        var partition = Partition(0);
        await UsingSinkAsync(sink => WritePartitionAsync(sink, partition, Records(partition), Held(5), complete: true));
        var published = await ReadPublishedAsync(RunKey, CancellationToken.None);

        var stale = await Record.ExceptionAsync(() => UsingSinkAsync(sink => WritePartitionAsync(sink, partition, Replacements(partition), Lost(3), complete: true)));

        Assert.IsType<LeaseLostException>(stale);
        ContractAssert.SameRecords(published, await ReadPublishedAsync(RunKey, CancellationToken.None), "an attempt that lost its lease publishes nothing");
    }

    /// <summary>
    /// Checks a writer paused while it held the lease (it opened and wrote a chunk), whose partition a newer epoch then
    /// took over and published, never changes the published output when it continues, and fails, if it does, with
    /// <see cref="LeaseLostException"/>.
    /// </summary>
    /// <returns>A task that completes when the case has passed.</returns>
    [Fact]
    [Trait("Contract", "Sink")]
    public async Task FencedOutWriter_PausedWhileNewerEpochPublished_ChangesNothing()
    {
        var partition = Partition(0);
        var held = true;
        var pausedToken = new FencingToken("contract-paused", 1, _ => ValueTask.FromResult(Volatile.Read(ref held)));
        var pausedSink = CreateSink();
        try
        {
            var context = new SinkContext(RunKey, partition, null) { Fence = pausedToken };
            var paused = await pausedSink.OpenAsync(context, CancellationToken.None);
            try
            {
                await paused.WriteAsync(Replacements(partition).Take(5).ToArray(), CancellationToken.None);
                await paused.CommitAsync(CancellationToken.None);

                Volatile.Write(ref held, false);
                await UsingSinkAsync(sink => WritePartitionAsync(sink, partition, Records(partition), Held(2), complete: true));
                var published = await ReadPublishedAsync(RunKey, CancellationToken.None);

                var stale = await Record.ExceptionAsync(async () =>
                {
                    await paused.WriteAsync(Replacements(partition).Skip(5).ToArray(), CancellationToken.None);
                    await paused.CommitAsync(CancellationToken.None);
                    await paused.CompleteAsync(CancellationToken.None);
                    await CompleteRunAsync(pausedSink, [partition], pausedToken);
                });

                // A writer whose partial output the newer epoch already removed may find nothing left to publish and
                // return; the store then refuses its partition completion. Any failure it reports must be the lost lease.
                if (stale is not null)
                {
                    Assert.IsType<LeaseLostException>(stale);
                }

                ContractAssert.SameRecords(published, await ReadPublishedAsync(RunKey, CancellationToken.None), "a stale epoch never changes what a newer epoch published");
            }
            finally
            {
                await paused.DisposeAsync();
            }
        }
        finally
        {
            await ContractAssert.DisposeAsync(pausedSink);
        }
    }

    private static FencingToken Held(long epoch) => new("contract-" + epoch, epoch, _ => ValueTask.FromResult(true));

    private static FencingToken Lost(long epoch) => new("contract-" + epoch, epoch, _ => ValueTask.FromResult(false));

    private static async Task CompleteRunAsync(ISink<T> sink, IReadOnlyList<Partition> partitions, FencingToken fence)
    {
        if (sink is IRunCompletingSink completing)
        {
            await completing.CompleteRunAsync(new RunCompletionContext(RunKey, partitions) { Fence = fence }, CancellationToken.None);
        }
    }

    private static async Task WritePartitionAsync(ISink<T> sink, Partition partition, List<T> records, FencingToken fence, bool complete)
    {
        await using (var writer = await sink.OpenAsync(new SinkContext(RunKey, partition, null) { Fence = fence }, CancellationToken.None))
        {
            foreach (var chunk in records.Chunk(Math.Max(1, records.Count / 3)))
            {
                await writer.WriteAsync(chunk, CancellationToken.None);
                await writer.CommitAsync(CancellationToken.None);
            }

            if (complete)
            {
                await writer.CompleteAsync(CancellationToken.None);
            }
        }

        if (complete)
        {
            await CompleteRunAsync(sink, [partition], fence);
        }
    }

    private Partition Partition(int index) =>
        new(index, "rows-" + index.ToString("D4", System.Globalization.CultureInfo.InvariantCulture), PartitionDescriptor.Rows((long)index * RecordsPerPartition, (long)(index + 1) * RecordsPerPartition));

    private List<T> Input() => Enumerable.Range(0, RecordCount).Select(CreateRecord).ToList();

    private List<T> Records(Partition partition)
    {
        var (start, end) = PartitionDescriptor.ParseRows(partition.Descriptor);
        return Enumerable.Range((int)start, (int)(end - start)).Select(CreateRecord).ToList();
    }

    // Records with the partition's indexes taken from further along the input, so a stale writer's output differs.
    private List<T> Replacements(Partition partition)
    {
        var (start, end) = PartitionDescriptor.ParseRows(partition.Descriptor);
        return Enumerable.Range((int)start, (int)(end - start)).Select(i => CreateRecord((i + RecordsPerPartition) % RecordCount)).ToList();
    }

    private async Task UsingSinkAsync(Func<ISink<T>, Task> use)
    {
        var sink = CreateSink();
        try
        {
            await use(sink);
        }
        finally
        {
            await ContractAssert.DisposeAsync(sink);
        }
    }

    private async Task CrashThenResumeAsync(SinkCrashPoint point)
    {
        await using var store = CreateStore();
        var inner = CreateSink();
        var crashing = CrashingSink<T>.Create(inner, point);
        RunResult crashed;
        try
        {
            crashed = await RunAsync(store, null, crashing);
        }
        finally
        {
            await ContractAssert.DisposeAsync(inner);
        }

        if (crashing.Crashed)
        {
            Assert.Equal(RunStatus.Failed, crashed.Status);
            Assert.IsType<SimulatedCrashException>(ContractAssert.Innermost(crashed.Exception));
        }
        else
        {
            Assert.False(inner is IRunCompletingSink || point != SinkCrashPoint.CompleteRun, $"The crash at {point} was never reached; the run ended {crashed.Status}: {crashed.Exception}");
            Assert.True(crashed.Status == RunStatus.Completed, $"The run without a crash point ended {crashed.Status}: {crashed.Exception}");
        }

        var resumedSink = CreateSink();
        RunResult resumed;
        try
        {
            resumed = await RunAsync(store, null, CrashingSink<T>.Create(resumedSink, SinkCrashPoint.None));
        }
        finally
        {
            await ContractAssert.DisposeAsync(resumedSink);
        }

        Assert.True(resumed.Status == RunStatus.Completed, $"The resumed run after a crash at {point} ended {resumed.Status}: {resumed.Exception}");
        ContractAssert.SameRecords(Input(), await ReadPublishedAsync(RunKey, CancellationToken.None), $"a crash at {point} and a resume leave the clean run's output: nothing lost, nothing twice");
    }

    private async Task<RunResult> RunAsync(ICheckpointStore store, RunOptions? options, ISink<T>? sink)
    {
        var own = sink is null ? CreateSink() : null;
        try
        {
            var job = Job.Create(JobName)
                .ReadFrom(EnumerableSource<T>.FromList(Input()))
                .PartitionBy(Partitioners.RowRanges(RecordCount, RecordsPerPartition))
                .WriteTo(sink ?? own!)
                .UseCheckpointStore(store)
                .Configure(o =>
                {
                    o.CommitInterval = CommitInterval;
                    o.MaxParallelism = 1;
                    o.MaxPartitionAttempts = 1;
                    o.Retry.BaseDelay = TimeSpan.FromMilliseconds(1);
                })
                .Build();
            return await new JobRunner(job).RunAsync(Parameters, options, CancellationToken.None);
        }
        finally
        {
            if (own is not null)
            {
                await ContractAssert.DisposeAsync(own);
            }
        }
    }
}
