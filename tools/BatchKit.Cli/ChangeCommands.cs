using Spectre.Console;
using static BatchKit.Cli.CliContext;

namespace BatchKit.Cli;

/// <summary>resolve, retry, cancel, cleanup: the changes a person decides.</summary>
internal static class ChangeCommands
{
    public static async Task ResolveAsync(CliContext context, string runId, string key, bool happened, bool notHappened, CancellationToken cancellationToken)
    {
        if (happened == notHappened)
        {
            throw new CliException(ExitCodes.Usage, "Say what was found downstream: pass exactly one of --happened or --not-happened.");
        }

        var run = await RunResolver.ResolveAsync(context.Store, runId, cancellationToken).ConfigureAwait(false);
        int remaining;
        try
        {
            remaining = await RunMaintenance.ResolveInDoubtEffectAsync(context.Store, run.RunKey, key, happened, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException ex)
        {
            throw new CliException(ExitCodes.Conflict, ex.Message, ex);
        }

        if (context.Json)
        {
            context.WriteJson(new { runKey = run.RunKey, key, resolution = happened ? "happened" : "not-happened", remainingInDoubt = remaining });
            return;
        }

        context.WriteLine(happened
            ? $"Confirmed '{key}': the effect happened and will not be repeated."
            : $"Released '{key}': the effect did not happen; the next run of the job performs it.");
        context.WriteLine(remaining == 0
            ? $"No effect of the run {Short(run.RunKey)} is in doubt any more: run the job again with the same parameters ({run.Parameters}) to finish it."
            : $"{remaining} effect(s) of the run {Short(run.RunKey)} are still in doubt.");
    }

    public static async Task RetryAsync(CliContext context, string runId, bool failed, CancellationToken cancellationToken)
    {
        if (!failed)
        {
            throw new CliException(ExitCodes.Usage, "Say what to retry: batchkit retry RUN --failed marks the run's failed partitions pending.");
        }

        var run = await RunResolver.ResolveAsync(context.Store, runId, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<string> failedPartitions;
        try
        {
            // Through the store's contract, under the run's lease (shared with the dashboard's retry action).
            failedPartitions = await RunMaintenance.RetryFailedPartitionsAsync(
                context.Store, run.RunKey, "batchkit-cli/" + Environment.MachineName + "/" + Environment.ProcessId, cancellationToken).ConfigureAwait(false);
        }
        catch (RunLeaseConflictException ex)
        {
            throw new CliException(ExitCodes.Conflict, "The run is being processed: " + ex.Message + " Retry after it ends.", ex);
        }
        catch (InvalidOperationException ex)
        {
            throw new CliException(ExitCodes.Failure, ex.Message, ex);
        }

        if (context.Json)
        {
            context.WriteJson(new { runKey = run.RunKey, pending = failedPartitions });
            return;
        }

        context.WriteLine(failedPartitions.Count == 0
            ? $"The run {Short(run.RunKey)} has no failed partitions; nothing changed."
            : $"Marked {failedPartitions.Count} failed partition(s) of the run {Short(run.RunKey)} pending ({string.Join(", ", failedPartitions)}); the next run of {run.JobName} with the parameters ({run.Parameters}) processes them.");
    }

    public static async Task CancelAsync(CliContext context, string runId, CancellationToken cancellationToken)
    {
        var run = await RunResolver.ResolveAsync(context.Store, runId, cancellationToken).ConfigureAwait(false);
        var already = run.CancelRequestedAt is not null;
        RunRecord cancelled;
        try
        {
            // Through the store's contract, under the run's lease (shared with the dashboard's cancel action).
            cancelled = await RunMaintenance.CancelRunAsync(
                context.Store, run.RunKey, "batchkit-cli/" + Environment.MachineName + "/" + Environment.ProcessId, cancellationToken).ConfigureAwait(false);
        }
        catch (RunLeaseConflictException ex)
        {
            throw new CliException(ExitCodes.Conflict, "The run is being joined or finalized: " + ex.Message + " Try again.", ex);
        }
        catch (InvalidOperationException ex)
        {
            throw new CliException(ExitCodes.Conflict, ex.Message, ex);
        }

        if (context.Json)
        {
            context.WriteJson(new { runKey = cancelled.RunKey, status = cancelled.Status, cancelRequestedAt = cancelled.CancelRequestedAt, cancelRequestedBy = cancelled.CancelRequestedBy, alreadyCancelled = already });
            return;
        }

        context.WriteLine(already
            ? $"The run {Short(run.RunKey)} was already cancelled by {cancelled.CancelRequestedBy} at {Time(cancelled.CancelRequestedAt)}; nothing changed."
            : $"Cancelled the run {Short(run.RunKey)} of {run.JobName} ({run.Parameters}): its workers claim no more partitions and stop at their next chunk boundary.");
        context.WriteLine($"Its partitions are resumable: run {run.JobName} with the same parameters and ResumeCancelled (RunOptions or WorkerOptions) to go on from the checkpoints.");
    }

    public static async Task CleanupAsync(CliContext context, TimeSpan olderThan, bool dryRun, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        var cutoff = now - olderThan;
        IReadOnlyList<RunRecord> candidates = (await context.Store.ListRunsAsync(null, int.MaxValue, cancellationToken).ConfigureAwait(false))
            .Where(r => r.EndedAt < cutoff && r.Status != RunStatus.Running && (r.LeaseOwner is null || r.LeaseExpiresAt <= now))
            .ToList();
        IReadOnlyList<string> deleted = dryRun
            ? candidates.Select(r => r.RunKey).ToList()
            : await StaleStateCleanup.CleanupAsync(context.Store, olderThan, cancellationToken: cancellationToken).ConfigureAwait(false);
        var runs = candidates.Where(r => deleted.Contains(r.RunKey)).ToList();
        if (context.Json)
        {
            context.WriteJson(new { dryRun, olderThan = olderThan.ToString(), cutoff, runs = runs.Select(r => new { r.RunKey, r.JobName, r.Parameters, r.Status, r.EndedAt }) });
            return;
        }

        if (runs.Count == 0)
        {
            context.WriteLine($"No run ended before {Time(cutoff)}; nothing {(dryRun ? "would be" : "was")} deleted.");
            return;
        }

        var table = new Table().AddColumns("Run", "Job", "Parameters", "Status", "Ended");
        foreach (var r in runs)
        {
            table.AddRow(new Text(Short(r.RunKey)), new Text(r.JobName), new Text(r.Parameters), new Text(r.Status.ToString()), new Text(Time(r.EndedAt)));
        }

        context.Console.Write(table);
        context.WriteLine(dryRun
            ? $"{runs.Count} run(s) ended before {Time(cutoff)} would be deleted (dry run: nothing changed)."
            : $"Deleted the state, history and staging files of {runs.Count} run(s) ended before {Time(cutoff)}.");
    }
}
