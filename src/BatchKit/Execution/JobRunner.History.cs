using Microsoft.Extensions.Logging;

namespace BatchKit;

/// <content>Recording run and partition attempts in the store's history, and the SLAs at the end of a run.</content>
public sealed partial class JobRunner
{
    private async Task<RunResult> RunAsync(ICheckpointStore store, RunKey runKey, RunOptions options, WorkerOptions? worker, CancellationToken cancellationToken)
    {
        if (_job.Notifier is not null && !store.RecordsNotifications)
        {
            throw new NotSupportedException($"The job '{_job.Name}' notifies completed runs (OnCompleted), but its checkpoint store {store.GetType().Name} does not record notifications; use a store that records them (SQLite, PostgreSQL, in-memory), or remove OnCompleted.");
        }

        if (options.ReprocessChangedInput)
        {
            EnsureCanReconcile();
        }

        var owner = LocalProcessOwner.Create();
        var recorder = new RunRecorder(_job, store, runKey, owner, _logger);
        RunResult result;
        try
        {
            result = await TracedRunAttemptAsync(store, runKey, options, worker, owner, recorder, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex)
        {
            await recorder.EndAbortedAsync(RunStatus.Cancelled, ex).ConfigureAwait(false);
            throw;
        }
        catch (LeaseLostException ex)
        {
            await recorder.EndAbortedAsync(RunStatus.Failed, ex).ConfigureAwait(false);
            throw;
        }

        result = await recorder.EndAsync(result).ConfigureAwait(false);
        return await NotifyAsync(store, result, cancellationToken).ConfigureAwait(false);
    }

    private async Task<PartitionAttempt?> BeginPartitionAttemptAsync(AttemptContext context, Partition partition, int attempt)
    {
        if (!context.Store.RecordsHistory)
        {
            return null;
        }

        var record = new PartitionAttempt(context.RunKey.Value, partition.Id, attempt, context.Lease.Owner, context.Lease.Epoch, _job.TimeProvider.GetUtcNow(), null, PartitionStatus.Running);
        await WritePartitionAttemptAsync(context, record).ConfigureAwait(false);
        return record;
    }

    private async Task EndPartitionAttemptAsync(AttemptContext context, PartitionAttempt? record, PartitionStatus status, PartitionOutcome? outcome, string? error)
    {
        if (record is null)
        {
            return;
        }

        if (outcome is null)
        {
            // A failed attempt: what the partition has committed so far is in its checkpoint.
            var checkpoint = await context.Store.GetCheckpointAsync(context.RunKey.Value, record.PartitionId, CancellationToken.None).ConfigureAwait(false);
            outcome = checkpoint is null ? default(PartitionOutcome) : new PartitionOutcome(checkpoint.RecordsRead, checkpoint.RecordsWritten, checkpoint.ErrorCount, checkpoint.InDoubtCount);
        }

        var value = outcome.Value;
        await WritePartitionAttemptAsync(context, record with
        {
            EndedAt = _job.TimeProvider.GetUtcNow(),
            Status = status,
            RecordsRead = value.RecordsRead,
            RecordsWritten = value.RecordsWritten,
            Errors = value.Errors,
            InDoubt = value.InDoubt,
            Error = error,
        }).ConfigureAwait(false);
    }

    private async Task WritePartitionAttemptAsync(AttemptContext context, PartitionAttempt record)
    {
        try
        {
            await context.Store.RecordPartitionAttemptAsync(record, CancellationToken.None).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // history is an observation: a failed write is logged and the partition goes on
        catch (Exception ex) when (ex is not ObjectDisposedException)
#pragma warning restore CA1031
        {
            Log.HistoryWriteFailed(_logger, ex, _job.Name, context.RunKey, "partition attempt");
        }
    }
}
