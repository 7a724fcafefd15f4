using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace BatchKit;

public sealed partial class JobRunner
{
    /// <summary>
    /// Runs one claimed partition until it completes or its attempts are used up, holding its lease across attempts.
    /// Each attempt resumes from the partition's last checkpoint (or from its start, for atomic partitions). Returns the
    /// failure, or <see langword="null"/>. The last state written ends the lease; when <paramref name="workerToken"/> is
    /// cancelled the partition is handed back as pending and the cancellation propagates.
    /// </summary>
    private async Task<PartitionFailure?> RunWithAttemptsAsync(AttemptContext context, Partition partition, int previousAttempts, CancellationToken cancellationToken, CancellationToken workerToken)
    {
        var options = _job.Options;
        var time = _job.TimeProvider;
        var lease = context.Lease;
        var executorLogger = _job.LoggerFactory.CreateLogger("BatchKit.Executor");
        for (var attempt = 1; ; attempt++)
        {
            var total = previousAttempts + attempt;
            Exception? failure;
            PartitionAttempt? attemptRecord = null;
            using var span = StartPartitionSpan(context, partition, total);
            var started = time.GetTimestamp();
            try
            {
                await context.Store.SetPartitionStateAsync(lease, new PartitionState(partition.Id, PartitionStatus.Running, total, null, time.GetUtcNow()), release: false, cancellationToken).ConfigureAwait(false);
                Track(context, PartitionStatus.Running, local: true);
                Log.PartitionStarted(executorLogger, _job.Name, partition.Id, total);
                attemptRecord = await BeginPartitionAttemptAsync(context, partition, total).ConfigureAwait(false);
                failure = await AttemptAsync(context, partition, total, attemptRecord, executorLogger, span, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (workerToken.IsCancellationRequested)
            {
                EndPartitionSpan(span, started, "handed_back");
                await HandBackAsync(context, partition, total).ConfigureAwait(false);
                Track(context, PartitionStatus.Pending, local: false);
                throw;
            }
            catch (Exception ex) when (FailureClassifier.EndsHold(ex))
            {
                EndPartitionSpan(span, started, "lease_lost");
                Track(context, PartitionStatus.Running, local: false); // the worker that took it over runs it now
                throw;
            }

            if (failure is null)
            {
                EndPartitionSpan(span, started, "completed");
                Track(context, PartitionStatus.Completed, local: false);
                return null;
            }

            Telemetry.Fail(span, failure);
            EndPartitionSpan(span, started, "failed");
            Log.PartitionFailed(executorLogger, failure, _job.Name, partition.Id, total, options.MaxPartitionAttempts);
            var last = attempt >= options.MaxPartitionAttempts || !FailureClassifier.IsRetryable(failure);
            await context.Store.SetPartitionStateAsync(lease, new PartitionState(partition.Id, PartitionStatus.Failed, total, Describe(failure), time.GetUtcNow()), release: last, CancellationToken.None).ConfigureAwait(false);
            await EndPartitionAttemptAsync(context, attemptRecord, PartitionStatus.Failed, null, Describe(failure)).ConfigureAwait(false);
            Track(context, PartitionStatus.Failed, local: !last);
            if (last)
            {
                return new PartitionFailure(partition, failure, total);
            }

            try
            {
                var delay = TimeSpan.FromTicks(options.Retry.BaseDelay.Ticks * (1L << Math.Min(attempt - 1, 10)));
                Log.PartitionRetrying(executorLogger, _job.Name, partition.Id, total, total + 1, delay);
                BatchKitDiagnostics.Retries.Add(1, BatchKitDiagnostics.Tags(_job.Name, "batchkit.operation", "partition"));
                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (workerToken.IsCancellationRequested)
            {
                await HandBackAsync(context, partition, total).ConfigureAwait(false);
                Track(context, PartitionStatus.Pending, local: false);
                throw;
            }
        }
    }

    /// <summary>Mirrors a partition state this worker just wrote in the progress of <see cref="RunOptions.Progress"/>.</summary>
    private void Track(AttemptContext context, PartitionStatus status, bool local) =>
        context.Progress?.Track(status, local, _job.TimeProvider.GetUtcNow());

    /// <summary>One attempt: returns <see langword="null"/> once the partition is completed (and its lease ended), or the failure.</summary>
    private async Task<Exception?> AttemptAsync(AttemptContext context, Partition partition, int total, PartitionAttempt? attemptRecord, ILogger executorLogger, Activity? span, CancellationToken cancellationToken)
    {
        var options = _job.Options;
        var time = _job.TimeProvider;
        using var timeout = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
        if (options.PartitionTimeout != Timeout.InfiniteTimeSpan)
        {
            timeout.CancelAfter(options.PartitionTimeout);
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var probe = new PartitionProbe(_job.Name, time);
        var runtime = new PartitionRuntime(_job, context.Store, context.Lease, context.Fence, context.RunKey, partition, context.Plan, total, _job.Skip, context.SourceRetry, context.SinkRetry, context.Counters, executorLogger, context.StagingRoot)
        {
            Probe = probe,
            Progress = context.Progress,
        };
        BatchKitDiagnostics.PartitionsActive.Add(1, BatchKitDiagnostics.Job(_job.Name));
        TelemetryRegistry.Add(probe);
        try
        {
            var outcome = await _job.Pipeline.RunPartitionAsync(runtime, linked.Token).ConfigureAwait(false);
            await context.Store.SetPartitionStateAsync(context.Lease, new PartitionState(partition.Id, PartitionStatus.Completed, total, null, time.GetUtcNow()), release: true, cancellationToken).ConfigureAwait(false);
            Telemetry.SetCounts(span, outcome.RecordsRead, outcome.RecordsWritten, outcome.Errors, outcome.InDoubt);
            Log.PartitionCompleted(executorLogger, _job.Name, partition.Id, outcome.RecordsRead, outcome.RecordsWritten, outcome.Errors);
            await EndPartitionAttemptAsync(context, attemptRecord, PartitionStatus.Completed, outcome, null).ConfigureAwait(false);
            return null;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new PartitionTimeoutException($"Partition '{partition.Id}' of job '{_job.Name}' exceeded its timeout of {options.PartitionTimeout} and was stopped at a chunk boundary.")
            {
                JobName = _job.Name,
                PartitionId = partition.Id,
                IsTransient = true,
                Timeout = options.PartitionTimeout,
            };
        }
        catch (Exception ex) when (FailureClassifier.IsPartitionFailure(ex, linked.Token))
        {
            // An OperationCanceledException while the attempt's token is not cancelled was raised by a source, step
            // or sink of its own accord (an HttpClient timeout): a failure like any other, attempted again. An exceeded
            // error rate is a failure that can never succeed.
            return ex;
        }
        finally
        {
            TelemetryRegistry.Remove(probe);
            BatchKitDiagnostics.PartitionsActive.Add(-1, BatchKitDiagnostics.Job(_job.Name));
        }
    }

    /// <summary>Hands a partition back for any worker to claim: pending, lease ended, checkpoint kept.</summary>
    private async Task HandBackAsync(AttemptContext context, Partition partition, int attempts)
    {
        try
        {
            await context.Store.SetPartitionStateAsync(context.Lease, new PartitionState(partition.Id, PartitionStatus.Pending, attempts, null, _job.TimeProvider.GetUtcNow()), release: true, CancellationToken.None).ConfigureAwait(false);
        }
        catch (LeaseLostException)
        {
            // Taken over meanwhile: it is the other worker's now.
        }
    }

    private static string Describe(Exception exception) => exception.GetType().Name + ": " + exception.Message;
}
