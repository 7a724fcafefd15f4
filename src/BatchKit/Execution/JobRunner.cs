using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace BatchKit;

/// <summary>
/// Runs a <see cref="Job"/> as one worker of a run: joins the run (freezing its plan if it is new), claims partitions one
/// at a time under their own leases until none is left, and finalizes the run if it finishes last. Any number of workers,
/// in this process or others sharing the checkpoint store, cooperate on one RunKey; a completed RunKey is a no-op unless
/// <see cref="RunOptions.Reprocess"/> is set.
/// </summary>
/// <remarks>Thread-safe: one runner can run several RunKeys, or the same RunKey several times, at once.</remarks>
public sealed partial class JobRunner
{
    private readonly Job _job;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance of the <see cref="JobRunner"/> class.</summary>
    /// <param name="job">The job to run.</param>
    public JobRunner(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        _job = job;
        _logger = job.LoggerFactory.CreateLogger("BatchKit.Job");
    }

    /// <summary>Runs the job for a set of run parameters, as one worker of the run, and returns once the run is settled.</summary>
    /// <param name="parameters">The identifying run parameters, for example the business date.</param>
    /// <param name="options">Options of this call, or <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Stops the run at the next chunk boundary; this call's partitions go back to pending, the run is marked <see cref="RunStatus.Cancelled"/> (unless another worker completes it) and can be resumed.</param>
    /// <returns>The outcome: completed (now or earlier), completed with doubts, failed or timed out.</returns>
    /// <exception cref="RunLeaseConflictException">
    /// The run lease, which a worker holds only while it plans or finalizes the run, stayed with another live worker for
    /// longer than <see cref="JobOptions.LeaseWaitTimeout"/>; or <see cref="RunOptions.Reprocess"/> was asked while other
    /// live workers hold partitions of the run. The message names the holder. Nothing was done or recorded.
    /// </exception>
    /// <exception cref="LeaseLostException">The run lease was taken over while this call was planning or finalizing the run (it was paused past the lease).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the run is resumable.</exception>
    /// <exception cref="NotSupportedException">The job notifies completed runs (<see cref="JobBuilder{T}.OnCompleted(IRunNotifier)"/>) but its checkpoint store does not record notifications; nothing was done.</exception>
    /// <remarks>
    /// <para>
    /// Two calls on one RunKey, in one process or in two, cooperate instead of conflicting: each claims the partitions
    /// the other has not, and the call that finishes the last partition finalizes the run; both return the same final
    /// status. A call returns only when no partition is left to claim and none is held by another live worker, so it
    /// takes over the partitions of a worker that died (at once when that worker was a process of this host that is
    /// gone, otherwise when its partition lease expires).
    /// </para>
    /// <para>
    /// Failures come back in one of two ways. Every failure of the run (a partition that failed all its attempts,
    /// planning, the error rate, <see cref="JobOptions.MaxDuration"/>) is recorded in the store and returned as a
    /// <see cref="RunResult"/> whose <see cref="RunResult.Status"/> matches the stored status. An exception is thrown only
    /// when this call does not own the outcome: see the exceptions above. A partition lease lost during the run (this
    /// process was paused past it and another worker took the partition over) is not an error: the partition stops here
    /// without writing anything, and the worker that took it over finishes it. An <see cref="OperationCanceledException"/>
    /// raised by a source, step or sink itself (an <c>HttpClient</c> timeout) is a failure like any other, not a cancellation.
    /// </para>
    /// </remarks>
    public async Task<RunResult> RunAsync(RunParameters parameters, RunOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return await RunWithStoreAsync(new RunKey(_job.Name, parameters), options ?? new RunOptions(), null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs the job for a set of run parameters.</summary>
    /// <param name="parameters">The identifying run parameters.</param>
    /// <param name="cancellationToken">Stops the run at the next chunk boundary.</param>
    /// <returns>The outcome.</returns>
    public Task<RunResult> RunAsync(RunParameters parameters, CancellationToken cancellationToken) => RunAsync(parameters, null, cancellationToken);

    /// <summary>
    /// Runs one worker process of a run shared by many: joins the run (planning it if this worker is first), claims
    /// partitions, preferring its share (<see cref="WorkerOptions.WorkerIndex"/>), until none is left, and exits. The run
    /// completes when its last partition does, on whichever worker that is; every worker returns the run's final status.
    /// </summary>
    /// <param name="parameters">The identifying run parameters.</param>
    /// <param name="options">The worker's share and lease duration.</param>
    /// <param name="cancellationToken">
    /// Stops this worker at the next chunk boundary: its partitions go back to pending for the other workers, and the
    /// run's status is left alone (the run is not cancelled: other workers go on).
    /// </param>
    /// <returns>The outcome, as for <see cref="RunAsync(RunParameters, RunOptions?, CancellationToken)"/>.</returns>
    /// <exception cref="RunLeaseConflictException">The run lease stayed with another live worker for longer than <see cref="JobOptions.LeaseWaitTimeout"/>.</exception>
    /// <exception cref="LeaseLostException">The run lease was taken over while this worker was planning or finalizing the run.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="options"/> break a rule (a negative count or index, an index not below the count, a lease shorter than a second); the message lists every failure.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<RunResult> RunWorkerAsync(RunParameters parameters, WorkerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(options);
        WorkerOptionsValidator.ThrowIfInvalid(options);
        return await RunWithStoreAsync(new RunKey(_job.Name, parameters), new RunOptions
        {
            ResumeCancelled = options.ResumeCancelled,
            Progress = options.Progress,
            ProgressInterval = options.ProgressInterval,
        }, options, cancellationToken).ConfigureAwait(false);
    }

    private async Task<RunResult> RunWithStoreAsync(RunKey runKey, RunOptions options, WorkerOptions? worker, CancellationToken cancellationToken)
    {
        var store = _job.StoreFactory();
        try
        {
            return await RunAsync(store, runKey, options, worker, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (_job.OwnsStore)
            {
                await store.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task<RunResult> RunAttemptAsync(ICheckpointStore store, RunKey runKey, RunOptions options, WorkerOptions? worker, string owner, RunRecorder recorder, CancellationToken cancellationToken)
    {
        var time = _job.TimeProvider;
        var run = new WorkerRun(store, runKey, owner, worker?.LeaseDuration ?? _job.Options.LeaseDuration, worker ?? new WorkerOptions(), worker is not null, time.GetTimestamp(), StagingRoot(store), recorder);
        if (options.Progress is { } progress)
        {
            run.Progress = new RunProgressTracker(runKey, progress, options.ProgressInterval, time, run.Started, _logger);
        }

        using var timeout = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
        if (_job.Options.MaxDuration != Timeout.InfiniteTimeSpan)
        {
            timeout.CancelAfter(_job.Options.MaxDuration);
        }

        // Cancelled when this worker sees the run's cancellation request (RunMaintenance.CancelRunAsync) in the store.
        using var requested = new CancellationTokenSource();
        run.CancelRequest = requested;
        using var runCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token, requested.Token);
        IReadOnlyList<Partition> partitions = [];
        TelemetryRegistry.Add(run.Counters);
        try
        {
            var (planned, early) = await JoinAsync(run, options, runCancellation.Token).ConfigureAwait(false);
            if (early is not null)
            {
                return early;
            }

            partitions = planned!;
            if (run.Progress is { } tracker)
            {
                await tracker.PlanAsync(store, partitions, runCancellation.Token).ConfigureAwait(false);
                tracker.Start();
            }

            while (true)
            {
                await WorkAsync(run, partitions, runCancellation.Token).ConfigureAwait(false);
                if (await FinalizeAsync(run, partitions, runCancellation.Token).ConfigureAwait(false) is { } result)
                {
                    return result;
                }
            }
        }
        catch (OperationCanceledException) when (requested.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // A person cancelled the run: this worker's partitions went back to pending at a chunk boundary.
            var status = await RecordStopAsync(run, RunStatus.Cancelled, "Cancelled by request at a chunk boundary.").ConfigureAwait(false);
            return await ResultAsync(run, partitions, status, status == RunStatus.Cancelled ? await CancelledErrorAsync(run).ConfigureAwait(false) : null).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            var error = new TimeoutException($"The job '{_job.Name}' run {runKey} exceeded its maximum duration of {_job.Options.MaxDuration}; it stopped at a chunk boundary and resumes from its checkpoints when run again.");
            var status = await RecordStopAsync(run, RunStatus.TimedOut, error.Message).ConfigureAwait(false);
            return await ResultAsync(run, partitions, status, status == RunStatus.TimedOut ? error : null).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            if (!run.IsWorker)
            {
                await RecordStopAsync(run, RunStatus.Cancelled, "Cancelled at a chunk boundary; the next run of this RunKey resumes from the checkpoints.").ConfigureAwait(false);
            }

            throw;
        }
        finally
        {
            TelemetryRegistry.Remove(run.Counters);
            if (run.Progress is { IsCompleted: false } tracker)
            {
                // The call stopped without a result (cancelled, or an exception it does not own): the last snapshot says so.
                await tracker.CompleteAsync(cancellationToken.IsCancellationRequested ? RunStatus.Cancelled : RunStatus.Failed, null).ConfigureAwait(false);
            }

            run.Progress?.Dispose();
        }
    }

    private ResiliencePipeline CreateRetry(string operation)
    {
        var retry = _job.Options.Retry;
        if (retry.MaxRetries == 0)
        {
            return ResiliencePipeline.Empty;
        }

        return new ResiliencePipelineBuilder { TimeProvider = _job.TimeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = retry.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = retry.BaseDelay,
                // Once the run's own token is cancelled nothing is retried; any other failure, an OperationCanceledException
                // the callee raised itself (an HttpClient timeout) included, goes to the policy's predicate.
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } ex && !args.Context.CancellationToken.IsCancellationRequested && retry.ShouldRetry(ex)),
                OnRetry = args =>
                {
                    Log.Retrying(_logger, args.Outcome.Exception, _job.Name, operation, args.AttemptNumber + 1, args.RetryDelay);
                    BatchKitDiagnostics.Retries.Add(1, BatchKitDiagnostics.Tags(_job.Name, "batchkit.operation", operation));
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    private async Task<RunResult> ResultAsync(WorkerRun run, IReadOnlyList<Partition> partitions, RunStatus status, Exception? exception, bool alreadyCompleted = false)
    {
        if (run.Progress is { } tracker)
        {
            await tracker.PlanAsync(run.Store, partitions, CancellationToken.None).ConfigureAwait(false);
        }

        var totals = await TotalsAsync(run.Store, run.RunKey, partitions, run.Progress).ConfigureAwait(false);
        var elapsed = _job.TimeProvider.GetElapsedTime(run.Started);
        if (run.Progress is { } final)
        {
            var states = partitions.Count == 0 ? [] : await run.Store.GetPartitionStatesAsync(run.RunKey.Value, CancellationToken.None).ConfigureAwait(false);
            await final.CompleteAsync(status, states).ConfigureAwait(false);
        }

        BatchKitDiagnostics.JobDuration.Record(elapsed.TotalSeconds, BatchKitDiagnostics.Tags(_job.Name, "batchkit.run.status", status.ToString()));
        Log.RunEnded(_logger, _job.Name, run.RunKey, status, totals.RecordsRead, totals.RecordsWritten, totals.Errors, elapsed);
        if (status is RunStatus.Failed or RunStatus.TimedOut)
        {
            Log.RunFailed(_logger, exception, _job.Name, run.RunKey, status);
        }
        return new RunResult
        {
            RunKey = run.RunKey,
            Status = status,
            WasAlreadyCompleted = alreadyCompleted,
            Partitions = partitions.Count,
            PartitionsProcessed = run.Processed,
            PartitionsReconciled = run.Recorder.Reconciled,
            RecordsRead = totals.RecordsRead,
            RecordsWritten = totals.RecordsWritten,
            Errors = totals.Errors,
            InDoubt = totals.InDoubt,
            Elapsed = elapsed,
            Exception = exception,
        };
    }

    private static async Task<PartitionOutcome> TotalsAsync(ICheckpointStore store, RunKey runKey, IReadOnlyList<Partition> partitions, RunProgressTracker? progress)
    {
        long read = 0, written = 0, errors = 0, inDoubt = 0;
        var shuffled = partitions.Any(StagingLayout.IsExtract);
        foreach (var partition in partitions)
        {
            var checkpoint = await store.GetCheckpointAsync(runKey.Value, partition.Id, CancellationToken.None).ConfigureAwait(false);
            progress?.Settle(partition.Id, checkpoint);
            if (checkpoint is null)
            {
                continue;
            }

            var extract = StagingLayout.IsExtract(partition);
            read += !shuffled || extract ? checkpoint.RecordsRead : 0;
            written += extract ? 0 : checkpoint.RecordsWritten;
            errors += checkpoint.ErrorCount;
            inDoubt += checkpoint.InDoubtCount;
        }

        return new PartitionOutcome(read, written, errors, inDoubt);
    }

    private void DeleteStaging(RunKey runKey, string staging)
    {
        if (!_job.Pipeline.IsShuffled)
        {
            return;
        }

        var directory = StagingLayout.RunDirectory(staging, runKey);
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private string StagingRoot(ICheckpointStore store) => _job.Options.StagingDirectory ?? StagingLayout.DefaultRoot(store);

    private sealed record PartitionFailure(Partition Partition, Exception Exception, int Attempts);

    /// <summary>What one partition attempt needs from its worker: the store, its lease and fencing token, the plan and the shared retry policies.</summary>
    private sealed record AttemptContext(ICheckpointStore Store, PartitionLease Lease, FencingToken Fence, RunKey RunKey, IReadOnlyList<Partition> Plan, RunCounters Counters, ResiliencePipeline SourceRetry, ResiliencePipeline SinkRetry, string StagingRoot)
    {
        /// <summary>Gets the partition's progress for <see cref="RunOptions.Progress"/>, or <see langword="null"/> when none is reported.</summary>
        public PartitionProgressSlot? Progress { get; init; }
    }

    /// <summary>One worker's part in a run: its identity, lease duration and share, and what it saw and did.</summary>
    private sealed class WorkerRun(ICheckpointStore store, RunKey runKey, string owner, TimeSpan leaseDuration, WorkerOptions options, bool isWorker, long started, string stagingRoot, RunRecorder recorder)
    {
        private int _processed;
        private int _permanentFailure;

        public ICheckpointStore Store { get; } = store;

        public RunKey RunKey { get; } = runKey;

        public string Owner { get; } = owner;

        public TimeSpan LeaseDuration { get; } = leaseDuration;

        public WorkerOptions Options { get; } = options;

        /// <summary>Gets a value indicating whether this is <see cref="RunWorkerAsync"/> (cancellation leaves the run's status alone).</summary>
        public bool IsWorker { get; } = isWorker;

        public long Started { get; } = started;

        /// <summary>Gets the recorder of this worker's attempt in the run history.</summary>
        public RunRecorder Recorder { get; } = recorder;

        public string StagingRoot { get; } = stagingRoot;

        public RunCounters Counters { get; } = new(runKey.JobName);

        /// <summary>Gets the partitions this worker saw fail past their attempts, with their exceptions.</summary>
        public ConcurrentBag<PartitionFailure> Failures { get; } = [];

        public int Processed => Volatile.Read(ref _processed);

        /// <summary>Gets a value indicating whether a failure that can never succeed was seen: this worker claims no more partitions.</summary>
        public bool PermanentFailure => Volatile.Read(ref _permanentFailure) == 1;

        public ResiliencePipeline? SourceRetry { get; set; }

        public ResiliencePipeline? SinkRetry { get; set; }

        /// <summary>Gets or sets the progress of this call for <see cref="RunOptions.Progress"/>, or <see langword="null"/> when none is reported.</summary>
        public RunProgressTracker? Progress { get; set; }

        public void CountProcessed() => Interlocked.Increment(ref _processed);

        public void StopClaiming() => Volatile.Write(ref _permanentFailure, 1);

        /// <summary>Gets or sets the source this worker cancels when it sees the run's cancellation request.</summary>
        public CancellationTokenSource? CancelRequest { get; set; }
    }
}
