using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace BatchKit;

/// <summary>
/// Runs a <see cref="Job"/>: takes the run lease, plans (or reuses) the partitions, processes every partition that is
/// not completed, and records the outcome. Running the same RunKey again resumes it; a completed RunKey is a no-op
/// unless <see cref="RunOptions.Reprocess"/> is set.
/// </summary>
/// <remarks>Thread-safe: one runner can run several RunKeys at once.</remarks>
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

    /// <summary>Runs the job for a set of run parameters.</summary>
    /// <param name="parameters">The identifying run parameters, for example the business date.</param>
    /// <param name="options">Options of this call, or <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Stops the run at the next chunk boundary; the run is marked <see cref="RunStatus.Cancelled"/> and can be resumed.</param>
    /// <returns>The outcome: completed (now or earlier), failed or timed out.</returns>
    /// <exception cref="RunLeaseConflictException">
    /// Another live process holds the run's lease and did not release it within <see cref="JobOptions.LeaseWaitTimeout"/>;
    /// the message names the holder and until when its lease lasts. Nothing was done or recorded.
    /// </exception>
    /// <exception cref="LeaseLostException">The lease was taken over by another process during the run.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the run is resumable.</exception>
    /// <remarks>
    /// <para>
    /// Failures come back in one of two ways. Once this call holds the lease, every failure of the run (a partition that
    /// failed all its attempts, planning, the error rate, <see cref="JobOptions.MaxDuration"/>) is recorded in the store
    /// and returned as a <see cref="RunResult"/> whose <see cref="RunResult.Status"/> matches the stored status, with the
    /// lease released. An exception is thrown only when this call does not own the outcome: it could not start because
    /// another live process holds the run (<see cref="RunLeaseConflictException"/>), another process took the run over
    /// (<see cref="LeaseLostException"/>), or the caller cancelled it (<see cref="OperationCanceledException"/>; the run is
    /// recorded as <see cref="RunStatus.Cancelled"/>). An <see cref="OperationCanceledException"/> raised by a source,
    /// step or sink itself (an <c>HttpClient</c> timeout) is a failure like any other, not a cancellation.
    /// </para>
    /// <para>
    /// A lease held by a process of this host that is gone (killed, crashed) is taken over at once, through the store and
    /// with a new lease epoch, so a run can be started again right after its process died. A lease held elsewhere is
    /// waited for as <see cref="JobOptions.LeaseWaitTimeout"/> says.
    /// </para>
    /// </remarks>
    public async Task<RunResult> RunAsync(RunParameters parameters, RunOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        options ??= new RunOptions();
        var runKey = new RunKey(_job.Name, parameters);
        var store = _job.StoreFactory();
        try
        {
            return await RunAsync(store, runKey, options, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (_job.OwnsStore)
            {
                await store.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Runs the job for a set of run parameters.</summary>
    /// <param name="parameters">The identifying run parameters.</param>
    /// <param name="cancellationToken">Stops the run at the next chunk boundary.</param>
    /// <returns>The outcome.</returns>
    public Task<RunResult> RunAsync(RunParameters parameters, CancellationToken cancellationToken) => RunAsync(parameters, null, cancellationToken);

    private async Task<RunResult> RunAttemptAsync(ICheckpointStore store, RunKey runKey, RunOptions options, string owner, RunRecorder recorder, CancellationToken cancellationToken)
    {
        var time = _job.TimeProvider;
        var started = time.GetTimestamp();
        using var activity = BatchKitDiagnostics.ActivitySource.StartActivity("batchkit.run");
        activity?.SetTag("batchkit.job.name", _job.Name);
        activity?.SetTag("batchkit.run.key", runKey.Value);
        var (lease, run) = await AcquireAsync(store, runKey, owner, cancellationToken).ConfigureAwait(false);
        await recorder.BeginAsync(lease, cancellationToken).ConfigureAwait(false);

        if (run.Status == RunStatus.CompletedWithDoubts && !options.Reprocess
            && (await store.ListInDoubtEffectsAsync(runKey.Value, cancellationToken).ConfigureAwait(false)).Count > 0)
        {
            // Until every doubt is resolved, running again could only repeat the same doubts.
            await store.SetRunStatusAsync(lease, RunStatus.CompletedWithDoubts, run.LastError, release: true, CancellationToken.None).ConfigureAwait(false);
            var plan = await store.GetPlanAsync(runKey.Value, cancellationToken).ConfigureAwait(false);
            var doubtful = await ResultAsync(store, runKey, plan?.Partitions ?? [], RunStatus.CompletedWithDoubts, 0, started, null, alreadyCompleted: true).ConfigureAwait(false);
            Log.RunCompletedWithDoubts(_logger, _job.Name, runKey, doubtful.InDoubt);
            return doubtful;
        }

        if (run.Status == RunStatus.Completed && !options.Reprocess)
        {
            await store.SetRunStatusAsync(lease, RunStatus.Completed, null, release: true, CancellationToken.None).ConfigureAwait(false);
            Log.RunAlreadyCompleted(_logger, _job.Name, runKey);
            var plan = await store.GetPlanAsync(runKey.Value, cancellationToken).ConfigureAwait(false);
            return await ResultAsync(store, runKey, plan?.Partitions ?? [], RunStatus.Completed, 0, started, null, alreadyCompleted: true).ConfigureAwait(false);
        }

        using var timeout = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
        if (_job.Options.MaxDuration != Timeout.InfiniteTimeSpan)
        {
            timeout.CancelAfter(_job.Options.MaxDuration);
        }

        using var runCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        using var heartbeat = new LeaseGuard(store, lease, _job.Options.LeaseDuration, time, runCancellation, _logger, _job.Name);
        var heartbeatTask = heartbeat.RunAsync();
        IReadOnlyList<Partition> partitions = [];
        var processed = 0;
        try
        {
            await store.SetRunStatusAsync(lease, RunStatus.Running, null, release: false, runCancellation.Token).ConfigureAwait(false);
            var staging = StagingRoot(store);
            partitions = await PlanAsync(store, lease, heartbeat.Token, runKey, options, runCancellation.Token).ConfigureAwait(false);
            if (run.Status == RunStatus.CompletedWithDoubts && !options.Reprocess)
            {
                await ReopenDoubtfulPartitionsAsync(store, lease, runKey, partitions, runCancellation.Token).ConfigureAwait(false);
            }

            var (failures, count) = await ProcessAsync(store, heartbeat, runKey, partitions, options, staging, runCancellation.Token).ConfigureAwait(false);
            processed = count;
            if (failures.Count > 0)
            {
                var first = failures.OrderBy(f => f.Partition.Index).First();
                var status = failures.All(f => f.Exception is PartitionTimeoutException) ? RunStatus.TimedOut : RunStatus.Failed;
                var transient = failures.All(f => IsRetryable(f.Exception));
                var error = new PartitionFailedException(
                    $"The job '{_job.Name}' run {runKey}: {failures.Count} partition(s) failed; first: partition '{first.Partition.Id}' after {first.Attempts} attempt(s): {first.Exception.Message}",
                    first.Exception) { JobName = _job.Name, PartitionId = first.Partition.Id, IsTransient = transient };
                await store.SetRunStatusAsync(lease, status, error.Message, release: true, CancellationToken.None).ConfigureAwait(false);
                return await ResultAsync(store, runKey, partitions, status, processed, started, error).ConfigureAwait(false);
            }

            var totals = await TotalsAsync(store, runKey, partitions).ConfigureAwait(false);
            ThrowIfBelowMinimum(runKey, totals.RecordsRead);
            ErrorRate.ThrowIfExceeded(_job, totals.RecordsRead, totals.Errors, final: true);
            await recorder.GateAsync(partitions, totals.InDoubt > 0 ? RunStatus.CompletedWithDoubts : RunStatus.Completed, totals, time.GetElapsedTime(started), runCancellation.Token).ConfigureAwait(false);
            await _job.Pipeline.CompleteRunAsync(new RunCompletionContext(runKey, partitions) { Fence = heartbeat.Token }, runCancellation.Token).ConfigureAwait(false);
            var completed = totals.InDoubt > 0 ? RunStatus.CompletedWithDoubts : RunStatus.Completed;
            var doubts = totals.InDoubt > 0
                ? $"{totals.InDoubt} record(s) have side effects in doubt: resolve them with ResolveInDoubtEffectAsync and run again."
                : null;
            await store.SetRunStatusAsync(lease, completed, doubts, release: true, CancellationToken.None).ConfigureAwait(false);
            DeleteStaging(runKey, staging);
            if (totals.InDoubt > 0)
            {
                Log.RunCompletedWithDoubts(_logger, _job.Name, runKey, totals.InDoubt);
            }

            return await ResultAsync(store, runKey, partitions, completed, processed, started, null).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (heartbeat.Lost)
        {
            Log.LeaseLost(_logger, _job.Name, runKey);
            throw new LeaseLostException($"The job '{_job.Name}' run {runKey} lost its lease to another process and stopped without committing more.") { JobName = _job.Name };
        }
        catch (LeaseLostException)
        {
            Log.LeaseLost(_logger, _job.Name, runKey);
            throw;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            var error = new TimeoutException($"The job '{_job.Name}' run {runKey} exceeded its maximum duration of {_job.Options.MaxDuration}; it stopped at a chunk boundary and resumes from its checkpoints when run again.");
            await store.SetRunStatusAsync(lease, RunStatus.TimedOut, error.Message, release: true, CancellationToken.None).ConfigureAwait(false);
            return await ResultAsync(store, runKey, partitions, RunStatus.TimedOut, processed, started, error).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await store.SetRunStatusAsync(lease, RunStatus.Cancelled, "Cancelled at a chunk boundary; the next run of this RunKey resumes from the checkpoints.", release: true, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !runCancellation.IsCancellationRequested)
        {
            // Planning, publishing or the error-rate check failed, or a partitioner or sink raised a cancellation of its
            // own (not the run's token, its timeout or a lost lease): the run is resumable once the cause is fixed.
            await store.SetRunStatusAsync(lease, RunStatus.Failed, ex.GetType().Name + ": " + ex.Message, release: true, CancellationToken.None).ConfigureAwait(false);
            return await ResultAsync(store, runKey, partitions, RunStatus.Failed, processed, started, ex).ConfigureAwait(false);
        }
        finally
        {
            await heartbeat.StopAsync(heartbeatTask).ConfigureAwait(false);
        }
    }

    private async Task<(IReadOnlyCollection<PartitionFailure> Failures, int Processed)> ProcessAsync(
        ICheckpointStore store, LeaseGuard guard, RunKey runKey, IReadOnlyList<Partition> partitions, RunOptions options, string staging, CancellationToken cancellationToken)
    {
        var lease = guard.Lease;
        var states = (await store.GetPartitionStatesAsync(runKey.Value, cancellationToken).ConfigureAwait(false)).ToDictionary(s => s.PartitionId, StringComparer.Ordinal);
        if (_job.Pipeline.IsShuffled)
        {
            await ReopenMissingStagingAsync(store, lease, runKey, partitions, states, staging, cancellationToken).ConfigureAwait(false);
        }

        bool IsPending(Partition p) => !states.TryGetValue(p.Id, out var s)
            || s.Status is PartitionStatus.Pending or PartitionStatus.Running
            || (s.Status == PartitionStatus.Failed && options.RetryFailedPartitions);

        var pending = partitions.Where(IsPending).ToList();
        Log.RunStarted(_logger, _job.Name, runKey, partitions.Count, pending.Count, lease.Epoch);
        var failures = new ConcurrentBag<PartitionFailure>();
        foreach (var p in partitions.Where(p => !IsPending(p)))
        {
            if (states[p.Id].Status == PartitionStatus.Failed)
            {
                failures.Add(new PartitionFailure(p, new PartitionFailedException(states[p.Id].LastError ?? "failed in an earlier run"), states[p.Id].Attempts));
            }
        }

        var counters = new RunCounters();
        var permanentFailure = false;
        var context = new AttemptContext(store, lease, guard.Token, runKey, partitions, counters, CreateRetry("source read"), CreateRetry("sink write"), staging);

        // Shuffled jobs run in two phases: every extract partition must finish before any target partition reads staging.
        var phases = _job.Pipeline.IsShuffled
            ? new[] { pending.Where(StagingLayout.IsExtract).ToList(), pending.Where(p => !StagingLayout.IsExtract(p)).ToList() }
            : [pending];
        foreach (var phase in phases)
        {
            if (!failures.IsEmpty && _job.Pipeline.IsShuffled)
            {
                break;
            }

            await Parallel.ForEachAsync(
                phase,
                new ParallelOptions { MaxDegreeOfParallelism = _job.Options.MaxParallelism, CancellationToken = cancellationToken },
                async (partition, token) =>
                {
                    // A failure that can never succeed (schema, unsupported type, definition) would fail every
                    // partition the same way: stop starting new ones; they stay pending for the next run.
                    if (Volatile.Read(ref permanentFailure))
                    {
                        return;
                    }

                    var attempts = states.TryGetValue(partition.Id, out var s) ? s.Attempts : 0;
                    var failure = await RunWithAttemptsAsync(context, partition, attempts, token).ConfigureAwait(false);
                    if (failure is not null)
                    {
                        failures.Add(failure);
                        if (!IsRetryable(failure.Exception))
                        {
                            Volatile.Write(ref permanentFailure, true);
                        }
                    }
                }).ConfigureAwait(false);
        }

        return (failures, pending.Count);
    }

    /// <summary>
    /// Re-opens every completed extract partition whose staging files (counted at its completion) are not all there while
    /// a target partition still needs them: its state goes back to pending and its checkpoint is cleared, so the extract
    /// phase runs it again before any target partition reads staging.
    /// </summary>
    private async Task ReopenMissingStagingAsync(
        ICheckpointStore store, RunLease lease, RunKey runKey, IReadOnlyList<Partition> partitions, Dictionary<string, PartitionState> states, string staging, CancellationToken cancellationToken)
    {
        if (partitions.All(p => StagingLayout.IsExtract(p) || states.GetValueOrDefault(p.Id)?.Status == PartitionStatus.Completed))
        {
            return; // no target partition needs staging any more
        }

        foreach (var extract in partitions.Where(p => StagingLayout.IsExtract(p) && states.GetValueOrDefault(p.Id)?.Status == PartitionStatus.Completed))
        {
            var checkpoint = await store.GetCheckpointAsync(runKey.Value, extract.Id, cancellationToken).ConfigureAwait(false);
            var present = StagingLayout.CountFiles(staging, runKey, extract.Id);
            if (checkpoint is not null && present >= checkpoint.SinkPosition)
            {
                continue;
            }

            Log.StagingMissing(_logger, _job.Name, extract.Id, checkpoint?.SinkPosition ?? 0, present);
            var reopened = new PartitionState(extract.Id, PartitionStatus.Pending, states[extract.Id].Attempts, null, _job.TimeProvider.GetUtcNow());
            await store.ClearCheckpointAsync(lease, extract.Id, cancellationToken).ConfigureAwait(false);
            await store.SetPartitionStateAsync(lease, reopened, cancellationToken).ConfigureAwait(false);
            states[extract.Id] = reopened;
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
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    private async Task<RunResult> ResultAsync(ICheckpointStore store, RunKey runKey, IReadOnlyList<Partition> partitions, RunStatus status, int processed, long started, Exception? exception, bool alreadyCompleted = false)
    {
        var totals = await TotalsAsync(store, runKey, partitions).ConfigureAwait(false);
        var elapsed = _job.TimeProvider.GetElapsedTime(started);
        BatchKitDiagnostics.JobDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("batchkit.job.name", _job.Name));
        Log.RunEnded(_logger, _job.Name, runKey, status, totals.RecordsRead, totals.RecordsWritten, totals.Errors, elapsed);
        Activity.Current?.SetTag("batchkit.run.status", status.ToString());
        return new RunResult
        {
            RunKey = runKey,
            Status = status,
            WasAlreadyCompleted = alreadyCompleted,
            Partitions = partitions.Count,
            PartitionsProcessed = processed,
            RecordsRead = totals.RecordsRead,
            RecordsWritten = totals.RecordsWritten,
            Errors = totals.Errors,
            InDoubt = totals.InDoubt,
            Elapsed = elapsed,
            Exception = exception,
        };
    }

    /// <summary>
    /// Once every in-doubt effect of a run is resolved, sends the partitions that had doubts back to pending, from
    /// their first record: the guard skips the confirmed effects and performs the released ones.
    /// </summary>
    private async Task ReopenDoubtfulPartitionsAsync(ICheckpointStore store, RunLease lease, RunKey runKey, IReadOnlyList<Partition> partitions, CancellationToken cancellationToken)
    {
        foreach (var partition in partitions)
        {
            var checkpoint = await store.GetCheckpointAsync(runKey.Value, partition.Id, cancellationToken).ConfigureAwait(false);
            if (checkpoint is not { InDoubtCount: > 0 })
            {
                continue;
            }

            await store.ClearCheckpointAsync(lease, partition.Id, cancellationToken).ConfigureAwait(false);
            await store.SetPartitionStateAsync(lease, new PartitionState(partition.Id, PartitionStatus.Pending, 0, null, _job.TimeProvider.GetUtcNow()), cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<PartitionOutcome> TotalsAsync(ICheckpointStore store, RunKey runKey, IReadOnlyList<Partition> partitions)
    {
        long read = 0, written = 0, errors = 0, inDoubt = 0;
        var shuffled = partitions.Any(StagingLayout.IsExtract);
        foreach (var partition in partitions)
        {
            var checkpoint = await store.GetCheckpointAsync(runKey.Value, partition.Id, CancellationToken.None).ConfigureAwait(false);
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

    private sealed record AttemptContext(ICheckpointStore Store, RunLease Lease, FencingToken Fence, RunKey RunKey, IReadOnlyList<Partition> Plan, RunCounters Counters, ResiliencePipeline SourceRetry, ResiliencePipeline SinkRetry, string StagingRoot);
}
