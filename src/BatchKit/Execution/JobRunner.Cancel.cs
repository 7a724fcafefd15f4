namespace BatchKit;

/// <content>Cancellation requests: a person cancelled the run (<see cref="RunMaintenance.CancelRunAsync"/>) from any process.</content>
public sealed partial class JobRunner
{
    /// <summary>
    /// Reads the run's cancellation request; when there is one, cancels this worker's run token, so it claims no more
    /// partitions and its running partitions stop at their next chunk boundary and go back to pending (the path of a
    /// cancelled <see cref="CancellationToken"/>).
    /// </summary>
    private async Task ObserveCancelRequestAsync(WorkerRun run, CancellationToken cancellationToken)
    {
        if (run.CancelRequest is not { IsCancellationRequested: false } source)
        {
            return;
        }

        var record = await run.Store.GetRunAsync(run.RunKey.Value, cancellationToken).ConfigureAwait(false);
        if (record?.CancelRequestedAt is not null)
        {
            Log.RunCancelRequested(_logger, _job.Name, run.RunKey, record.CancelRequestedBy);
            await source.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The error of a run cancelled by a request, naming who asked and when.</summary>
    private async Task<RunCancelledException> CancelledErrorAsync(WorkerRun run)
    {
        var record = await run.Store.GetRunAsync(run.RunKey.Value, CancellationToken.None).ConfigureAwait(false);
        return CancelledError(run.RunKey, record);
    }

    private RunCancelledException CancelledError(RunKey runKey, RunRecord? record) =>
        new($"The job '{_job.Name}' run {runKey} was cancelled by {record?.CancelRequestedBy ?? "a request"}"
            + (record?.CancelRequestedAt is { } at ? $" at {at:O}" : string.Empty)
            + "; its partitions stopped at a chunk boundary and are resumable: run it again with RunOptions.ResumeCancelled (or WorkerOptions.ResumeCancelled) to go on from the checkpoints.")
        {
            JobName = _job.Name,
            RequestedBy = record?.CancelRequestedBy,
        };
}
