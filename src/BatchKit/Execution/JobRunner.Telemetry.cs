using System.Diagnostics;

namespace BatchKit;

/// <content>The spans of a run attempt and of its partition attempts, and the run- and partition-level instruments.</content>
public sealed partial class JobRunner
{
    /// <summary>Runs one attempt of this worker in the run under the <c>batchkit.run</c> span, which ends with the run's status and counts (and error status on failure).</summary>
    private async Task<RunResult> TracedRunAttemptAsync(ICheckpointStore store, RunKey runKey, RunOptions options, WorkerOptions? worker, string owner, RunRecorder recorder, CancellationToken cancellationToken)
    {
        using var activity = BatchKitDiagnostics.ActivitySource.StartActivity(Telemetry.RunSpan);
        activity?.SetTag(BatchKitDiagnostics.JobTag, _job.Name);
        activity?.SetTag("batchkit.run.key", runKey.Value);
        activity?.SetTag("batchkit.run.parameters", runKey.Parameters.ToString());
        activity?.SetTag("batchkit.worker.owner", owner);
        try
        {
            var result = await RunAttemptAsync(store, runKey, options, worker, owner, recorder, cancellationToken).ConfigureAwait(false);
            if (activity is not null)
            {
                activity.SetTag("batchkit.run.status", result.Status.ToString());
                activity.SetTag("batchkit.run.already_completed", result.WasAlreadyCompleted);
                activity.SetTag("batchkit.run.partitions", result.Partitions);
                activity.SetTag("batchkit.run.partitions_processed", result.PartitionsProcessed);
                Telemetry.SetCounts(activity, result.RecordsRead, result.RecordsWritten, result.Errors, result.InDoubt);
                if (result.Status is RunStatus.Failed or RunStatus.TimedOut)
                {
                    Telemetry.Fail(activity, result.Exception ?? new BatchKitException($"The job '{_job.Name}' run {runKey} ended {result.Status}.") { JobName = _job.Name });
                }
            }

            return result;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            activity?.SetTag("batchkit.run.status", RunStatus.Cancelled.ToString());
            throw;
        }
        catch (Exception ex)
        {
            Telemetry.Fail(activity, ex);
            throw;
        }
    }

    /// <summary>Starts the <c>batchkit.partition</c> span of one partition attempt, a child of the run attempt's span.</summary>
    private Activity? StartPartitionSpan(AttemptContext context, Partition partition, int attempt)
    {
        var activity = BatchKitDiagnostics.ActivitySource.StartActivity(Telemetry.PartitionSpan);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(BatchKitDiagnostics.JobTag, _job.Name);
            activity.SetTag("batchkit.run.key", context.RunKey.Value);
            activity.SetTag("batchkit.partition.id", partition.Id);
            activity.SetTag("batchkit.partition.index", partition.Index);
            activity.SetTag("batchkit.partition.attempt", attempt);
            activity.SetTag("batchkit.lease.epoch", context.Lease.Epoch);
        }

        return activity;
    }

    /// <summary>Ends a partition attempt in the instruments (duration and outcome) and on its span.</summary>
    private void EndPartitionSpan(Activity? span, long started, string status)
    {
        var tags = BatchKitDiagnostics.Tags(_job.Name, "batchkit.partition.status", status);
        BatchKitDiagnostics.PartitionDuration.Record(_job.TimeProvider.GetElapsedTime(started).TotalSeconds, tags);
        BatchKitDiagnostics.PartitionAttempts.Add(1, tags);
        span?.SetTag("batchkit.partition.status", status);
    }

    private void CountTakeover(string kind) =>
        BatchKitDiagnostics.LeaseTakeovers.Add(1, BatchKitDiagnostics.Tags(_job.Name, "batchkit.lease.kind", kind));
}
