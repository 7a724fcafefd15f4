using Microsoft.Extensions.Logging;

namespace BatchKit;

public sealed partial class JobRunner
{
    /// <summary>
    /// Runs one partition until it completes or its attempts are used up. Each attempt resumes from the partition's
    /// last checkpoint (or from its start, for atomic partitions). Returns the failure, or <see langword="null"/>.
    /// </summary>
    private async Task<PartitionFailure?> RunWithAttemptsAsync(AttemptContext context, Partition partition, int previousAttempts, CancellationToken cancellationToken)
    {
        var options = _job.Options;
        var time = _job.TimeProvider;
        var executorLogger = _job.LoggerFactory.CreateLogger("BatchKit.Executor");
        for (var attempt = 1; ; attempt++)
        {
            var total = previousAttempts + attempt;
            await context.Store.SetPartitionStateAsync(context.Lease, new PartitionState(partition.Id, PartitionStatus.Running, total, null, time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
            Log.PartitionStarted(executorLogger, _job.Name, partition.Id, total);
            var attemptRecord = await BeginPartitionAttemptAsync(context, partition, total).ConfigureAwait(false);
            using var timeout = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
            if (options.PartitionTimeout != Timeout.InfiniteTimeSpan)
            {
                timeout.CancelAfter(options.PartitionTimeout);
            }

            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            var runtime = new PartitionRuntime(_job, context.Store, context.Lease, context.Fence, context.RunKey, partition, context.Plan, total, _job.Skip, context.SourceRetry, context.SinkRetry, context.Counters, executorLogger, context.StagingRoot);
            Exception failure;
            BatchKitDiagnostics.PartitionsActive.Add(1);
            try
            {
                var outcome = await _job.Pipeline.RunPartitionAsync(runtime, linked.Token).ConfigureAwait(false);
                await context.Store.SetPartitionStateAsync(context.Lease, new PartitionState(partition.Id, PartitionStatus.Completed, total, null, time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
                BatchKitDiagnostics.ItemsProcessed.Add(outcome.RecordsWritten, new KeyValuePair<string, object?>("batchkit.job.name", _job.Name));
                Log.PartitionCompleted(executorLogger, _job.Name, partition.Id, outcome.RecordsRead, outcome.RecordsWritten, outcome.Errors);
                await EndPartitionAttemptAsync(context, attemptRecord, PartitionStatus.Completed, outcome, null).ConfigureAwait(false);
                return null;
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                failure = new PartitionTimeoutException($"Partition '{partition.Id}' of job '{_job.Name}' exceeded its timeout of {options.PartitionTimeout} and was stopped at a chunk boundary.")
                {
                    JobName = _job.Name,
                    PartitionId = partition.Id,
                    IsTransient = true,
                    Timeout = options.PartitionTimeout,
                };
            }
            catch (Exception ex) when (ex is not (LeaseLostException or ErrorRateExceededException) && (ex is not OperationCanceledException || !linked.IsCancellationRequested))
            {
                // An OperationCanceledException while the attempt's token is not cancelled was raised by a source, step
                // or sink of its own accord (an HttpClient timeout): a failure like any other, attempted again.
                failure = ex;
            }
            finally
            {
                BatchKitDiagnostics.PartitionsActive.Add(-1);
            }

            Log.PartitionFailed(executorLogger, failure, _job.Name, partition.Id, total, options.MaxPartitionAttempts);
            await context.Store.SetPartitionStateAsync(context.Lease, new PartitionState(partition.Id, PartitionStatus.Failed, total, Describe(failure), time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
            await EndPartitionAttemptAsync(context, attemptRecord, PartitionStatus.Failed, null, Describe(failure)).ConfigureAwait(false);
            if (attempt >= options.MaxPartitionAttempts || !IsRetryable(failure))
            {
                return new PartitionFailure(partition, failure, attempt);
            }

            var delay = TimeSpan.FromTicks(options.Retry.BaseDelay.Ticks * (1L << Math.Min(attempt - 1, 10)));
            await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Tells whether another attempt of a failed partition may succeed: not for a non-transient
    /// <see cref="BatchKitException"/> (a schema mismatch, an invalid definition), nor for invalid data or an
    /// unsupported type (<see cref="InvalidDataException"/>, <see cref="FormatException"/>, <see cref="NotSupportedException"/>).
    /// </summary>
    private static bool IsRetryable(Exception failure) => failure switch
    {
        BatchKitException bk => bk.IsTransient,
        InvalidDataException or FormatException or NotSupportedException => false,
        _ => true,
    };

    private static string Describe(Exception exception) => exception.GetType().Name + ": " + exception.Message;
}
