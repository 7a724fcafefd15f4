using Spectre.Console;
using static BatchKit.Cli.CliContext;

namespace BatchKit.Cli;

/// <summary>runs, run show, partitions, errors, in-doubt.</summary>
internal static class ReadCommands
{
    public static async Task RunsAsync(CliContext context, string? job, int last, CancellationToken cancellationToken)
    {
        if (last < 0)
        {
            throw new CliException(ExitCodes.Usage, "--last must be 0 or more.");
        }

        var runs = await context.History.ListRunsAsync(job, last, cancellationToken).ConfigureAwait(false);
        if (context.Json)
        {
            context.WriteJson(runs);
            return;
        }

        if (runs.Count == 0)
        {
            context.WriteLine(job is null ? "No runs in the store." : $"No runs of the job '{job}' in the store.");
            return;
        }

        var table = new Table().AddColumns("Run", "Job", "Parameters", "Status", "Started", "Duration", "Attempts", "Read", "Written", "Errors", "In doubt", "Partitions");
        foreach (var run in runs)
        {
            table.AddRow(
                Text(Short(run.RunKey)), Text(run.JobName), Text(run.Parameters), Status(run.Status), Text(Time(run.StartedAt)), Text(Duration(run.Duration)),
                Text(run.Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture)), Text(Number(run.RecordsRead)), Text(Number(run.RecordsWritten)),
                Text(Number(run.Errors)), Text(Number(run.InDoubt)), Text($"{run.PartitionsCompleted}/{run.Partitions}" + (run.PartitionsFailed > 0 ? $" ({run.PartitionsFailed} failed)" : string.Empty)));
        }

        context.Console.Write(table);
    }

    public static async Task ShowAsync(CliContext context, string runId, CancellationToken cancellationToken)
    {
        var run = await RunResolver.ResolveAsync(context.Store, runId, cancellationToken).ConfigureAwait(false);
        var summary = (await context.History.GetRunAsync(run.RunKey, cancellationToken).ConfigureAwait(false))!;
        var attempts = await context.Store.ListRunAttemptsAsync(run.RunKey, cancellationToken).ConfigureAwait(false);
        if (context.Json)
        {
            context.WriteJson(new { run = summary, attempts });
            return;
        }

        var grid = new Grid().AddColumn().AddColumn();
        void Row(string name, string value) => grid.AddRow(new Text(name), new Text(value));
        Row("Run", summary.RunKey);
        Row("Job", summary.JobName);
        Row("Parameters", summary.Parameters);
        Row("Status", summary.Status.ToString());
        Row("Started", Time(summary.StartedAt));
        Row("Ended", Time(summary.EndedAt));
        Row("Duration", Duration(summary.Duration));
        Row("Attempts", summary.Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Row("Partitions", $"{summary.PartitionsCompleted} completed, {summary.PartitionsFailed} failed, {summary.Partitions} in the plan");
        Row("Records", $"{Number(summary.RecordsRead)} read, {Number(summary.RecordsWritten)} written, {Number(summary.Errors)} errors, {Number(summary.InDoubt)} in doubt");
        Row("Late data", summary.PartitionsReconciled == 0
            ? "none reconciled"
            : $"{summary.PartitionsReconciled} partition(s) reconciled after completion, late-arrival rate {(summary.LateArrivalRate * 100).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture)}%");
        Row("Owner", summary.Owner ?? "-");
        Row("Error", summary.Error ?? "-");
        context.Console.Write(grid);
        if (attempts.Count > 0)
        {
            context.WriteLine(string.Empty);
            var table = new Table().AddColumns("Attempt", "Process", "Epoch", "Started", "Ended", "Duration", "Status", "Processed", "Reconciled", "Error");
            foreach (var attempt in attempts)
            {
                table.AddRow(
                    Text(attempt.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture)), Text(attempt.Owner), Text(attempt.Epoch.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                    Text(Time(attempt.StartedAt)), Text(Time(attempt.EndedAt)), Text(Duration(attempt.Duration)),
                    attempt.EndedAt is null ? Text("no end recorded") : Status(attempt.Status),
                    Text($"{attempt.PartitionsProcessed}/{attempt.Partitions}"), Text(attempt.PartitionsReconciled.ToString(System.Globalization.CultureInfo.InvariantCulture)), Text(attempt.Error ?? "-"));
            }

            context.Console.Write(table);
        }

        if (summary.SlaResults.Count > 0)
        {
            context.WriteLine(string.Empty);
            context.Console.Write(SlaCommands.ResultsTable(summary.SlaResults));
        }
    }

    public static async Task PartitionsAsync(CliContext context, string runId, PartitionStatus? state, CancellationToken cancellationToken)
    {
        var run = await RunResolver.ResolveAsync(context.Store, runId, cancellationToken).ConfigureAwait(false);
        var partitions = (await context.History.GetPartitionsAsync(run.RunKey, cancellationToken).ConfigureAwait(false))
            .Where(p => state is null || p.Status == state)
            .ToList();
        if (context.Json)
        {
            context.WriteJson(partitions);
            return;
        }

        if (partitions.Count == 0)
        {
            context.WriteLine(state is null ? $"The run {Short(run.RunKey)} has no partitions yet." : $"The run {Short(run.RunKey)} has no {state.Value.ToString().ToLowerInvariant()} partitions.");
            return;
        }

        var table = new Table().AddColumns("Partition", "Status", "Attempts", "Started", "Ended", "Duration", "Read", "Written", "Errors", "In doubt", "Process", "Error");
        foreach (var p in partitions)
        {
            table.AddRow(
                Text(p.PartitionId), Status(p.Status), Text(p.Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture)), Text(Time(p.StartedAt)), Text(Time(p.EndedAt)),
                Text(Duration(p.Duration)), Text(Number(p.RecordsRead)), Text(Number(p.RecordsWritten)), Text(Number(p.Errors)), Text(Number(p.InDoubt)),
                Text(p.Owner ?? "-"), Text(p.Error ?? "-"));
        }

        context.Console.Write(table);
    }

    public static async Task ErrorsAsync(CliContext context, string runId, string? reason, string? partition, int limit, CancellationToken cancellationToken)
    {
        if (limit < 0)
        {
            throw new CliException(ExitCodes.Usage, "--limit must be 0 or more.");
        }

        var run = await RunResolver.ResolveAsync(context.Store, runId, cancellationToken).ConfigureAwait(false);
        var errors = await context.Store.QueryErrorsAsync(new ErrorQuery(run.RunKey, partition, reason, limit), cancellationToken).ConfigureAwait(false);
        if (context.Json)
        {
            context.WriteJson(errors);
            return;
        }

        if (errors.Count == 0)
        {
            context.WriteLine($"No error records match in the run {Short(run.RunKey)}.");
            return;
        }

        var table = new Table().AddColumns("Partition", "Step", "Offset", "Reason", "Exception", "Payload");
        foreach (var e in errors)
        {
            table.AddRow(
                Text(e.PartitionId), Text(e.Step), Text(e.Offset.ToString(System.Globalization.CultureInfo.InvariantCulture)), Text(e.Reason),
                Text(e.ExceptionType is null ? "-" : e.ExceptionType + ": " + e.ExceptionMessage), Text(e.RawPayload));
        }

        context.Console.Write(table);
        context.WriteLine($"{errors.Count} error record(s){(errors.Count == limit ? $" (the first {limit}; raise --limit for more)" : string.Empty)}.");
    }

    public static async Task InDoubtAsync(CliContext context, string runId, CancellationToken cancellationToken)
    {
        var run = await RunResolver.ResolveAsync(context.Store, runId, cancellationToken).ConfigureAwait(false);
        var effects = await context.Store.ListInDoubtEffectsAsync(run.RunKey, cancellationToken).ConfigureAwait(false);
        if (context.Json)
        {
            context.WriteJson(effects);
            return;
        }

        if (effects.Count == 0)
        {
            context.WriteLine($"No side effect of the run {Short(run.RunKey)} is in doubt.");
            return;
        }

        var table = new Table().AddColumns("Key", "Partition", "Claimed");
        foreach (var effect in effects)
        {
            table.AddRow(Text(effect.Key), Text(effect.PartitionId), Text(Time(effect.ClaimedAt)));
        }

        context.Console.Write(table);
        context.WriteLine($"{effects.Count} effect(s) in doubt: check each downstream by its key, then run batchkit resolve {Short(run.RunKey)} KEY --happened or --not-happened.");
    }

    internal static Text Text(string value) => new(value);

    internal static Markup Status(Enum status) => new(status.ToString() switch
    {
        "Completed" => "[green]Completed[/]",
        "Failed" => "[red]Failed[/]",
        "CompletedWithDoubts" => "[yellow]CompletedWithDoubts[/]",
        "TimedOut" => "[red]TimedOut[/]",
        var other => Markup.Escape(other),
    });
}
