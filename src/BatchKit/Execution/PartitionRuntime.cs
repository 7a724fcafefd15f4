using Microsoft.Extensions.Logging;
using Polly;

namespace BatchKit;

/// <summary>Everything one partition attempt needs, gathered by the runner.</summary>
internal sealed record PartitionRuntime(
    Job Job,
    ICheckpointStore Store,
    PartitionLease Lease,
    FencingToken Fence,
    RunKey RunKey,
    Partition Partition,
    IReadOnlyList<Partition> Plan,
    int Attempt,
    SkipOptions Skip,
    ResiliencePipeline SourceRetry,
    ResiliencePipeline SinkRetry,
    RunCounters Counters,
    ILogger Logger,
    string StagingDirectory)
{
    public int CommitInterval => Job.Options.CommitInterval;

    public long StartPosition { get; init; }

    public long StartOrdinal { get; init; }

    /// <summary>Gets or initializes what the observable instruments read of this attempt (queues, last durable checkpoint).</summary>
    public PartitionProbe? Probe { get; init; }

    /// <summary>Gets or initializes where this attempt publishes its totals for <see cref="RunOptions.Progress"/>, or <see langword="null"/> when none is reported.</summary>
    public PartitionProgressSlot? Progress { get; init; }

    /// <summary>Gets or initializes the budget of error payloads this attempt may still store (<see cref="SkipOptions.MaxStoredErrorsPerPartition"/>).</summary>
    public ErrorBudget ErrorBudget { get; init; } = new(long.MaxValue);

    /// <summary>Starts the error records a stage adds to the output of <paramref name="chunk"/>, with the chunk's own.</summary>
    public ChunkErrors ErrorsOf<T>(Chunk<T> chunk) => new(ErrorBudget, chunk.Errors, chunk.UnstoredErrors);

    public ErrorRecord ToErrorRecord(ErrorRecordDraft draft) => new(
        RunKey.Value,
        Partition.Id,
        draft.Step,
        draft.Offset,
        draft.RawPayload,
        draft.Reason,
        draft.Exception?.GetType().FullName,
        draft.Exception?.Message,
        Job.TimeProvider.GetUtcNow());
}

/// <summary>Run-wide counters, shared by the partitions of one run attempt; every count also goes to the <c>batchkit.items.read</c> and <c>batchkit.items.failed</c> counters.</summary>
internal sealed class RunCounters(string jobName)
{
    private long _recordsRead;
    private long _errors;

    public string JobName { get; } = jobName;

    public long RecordsRead => Interlocked.Read(ref _recordsRead);

    public long Errors => Interlocked.Read(ref _errors);

    public void Add(long read, long errors)
    {
        Interlocked.Add(ref _recordsRead, read);
        Interlocked.Add(ref _errors, errors);
        if (read > 0)
        {
            BatchKitDiagnostics.ItemsRead.Add(read, BatchKitDiagnostics.Job(JobName));
        }

        if (errors > 0)
        {
            BatchKitDiagnostics.ItemsFailed.Add(errors, BatchKitDiagnostics.Job(JobName));
        }
    }
}

/// <summary>What a completed partition attempt read and wrote, in total (earlier attempts' committed work included).</summary>
internal readonly record struct PartitionOutcome(long RecordsRead, long RecordsWritten, long Errors, long InDoubt = 0);
