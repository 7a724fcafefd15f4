using System.CommandLine;

namespace BatchKit.Cli;

/// <summary>The <c>batchkit</c> command tree: parses arguments, opens the store, runs one command, maps failures to exit codes.</summary>
internal static class BatchKitCli
{
    public const string StoreVariable = "BATCHKIT_STORE";

    public const string SchemaVariable = "BATCHKIT_SCHEMA";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, Func<string, string?> environment, bool terminal, CancellationToken cancellationToken)
    {
        var store = new Option<string?>("--store", "-s")
        {
            Description = $"The state store: a SQLite state file, or a PostgreSQL connection string (Host=db;Database=app;Username=batch, or postgresql://batch@db/app). Default: ${StoreVariable}.",
            Recursive = true,
        };
        var schema = new Option<string?>("--schema")
        {
            Description = $"The PostgreSQL schema that holds the state store (default {PostgresStoreProvider.DefaultSchema}, or ${SchemaVariable}).",
            Recursive = true,
        };
        var json = new Option<bool>("--json") { Description = "Write JSON instead of tables.", Recursive = true };
        var root = new RootCommand("Shows what BatchKit runs did, from their state store, and changes what a person decides (in-doubt effects, retries, cleanup).");
        root.Options.Add(store);
        root.Options.Add(schema);
        root.Options.Add(json);

        var exitCode = ExitCodes.Success;
        void Handle(Command command, Func<CliContext, System.CommandLine.ParseResult, CancellationToken, Task> action) =>
            command.SetAction(async (parse, token) =>
            {
                exitCode = await InvokeAsync(parse.GetValue(store), parse.GetValue(schema), parse.GetValue(json), output, error, environment, terminal, context => action(context, parse, token), token).ConfigureAwait(false);
                return exitCode;
            });

        var job = new Option<string?>("--job", "-j") { Description = "Only this job's runs." };
        var last = new Option<int>("--last", "-n") { Description = "How many runs.", DefaultValueFactory = _ => 20 };
        var runs = new Command("runs", "Lists the last runs, newest first.") { job, last };
        Handle(runs, (c, p, t) => ReadCommands.RunsAsync(c, p.GetValue(job), p.GetValue(last), t));
        root.Subcommands.Add(runs);

        var showRun = RunArgument();
        var show = new Command("show", "Shows one run: counts, attempts (which process, when), SLA results.") { showRun };
        Handle(show, (c, p, t) => ReadCommands.ShowAsync(c, p.GetValue(showRun)!, t));
        root.Subcommands.Add(new Command("run", "Commands about one run.") { show });

        var state = new Option<PartitionStatus?>("--state") { Description = "Only partitions in this state (pending, running, completed, failed)." };
        var partitionsRun = RunArgument();
        var partitions = new Command("partitions", "Lists a run's partitions: state, attempts, times, counts, error.") { partitionsRun, state };
        Handle(partitions, (c, p, t) => ReadCommands.PartitionsAsync(c, p.GetValue(partitionsRun)!, p.GetValue(state), t));
        root.Subcommands.Add(partitions);

        var reason = new Option<string?>("--reason", "-r") { Description = "Only errors whose reason contains this text." };
        var partition = new Option<string?>("--partition", "-p") { Description = "Only this partition's errors." };
        var limit = new Option<int>("--limit", "-l") { Description = "At most this many records.", DefaultValueFactory = _ => 100 };
        var errorsRun = RunArgument();
        var errors = new Command("errors", "Lists a run's error records with their payloads.") { errorsRun, reason, partition, limit };
        Handle(errors, (c, p, t) => ReadCommands.ErrorsAsync(c, p.GetValue(errorsRun)!, p.GetValue(reason), p.GetValue(partition), p.GetValue(limit), t));
        root.Subcommands.Add(errors);

        var inDoubtRun = RunArgument();
        var inDoubt = new Command("in-doubt", "Lists a run's side effects in doubt (claimed, never confirmed).") { inDoubtRun };
        Handle(inDoubt, (c, p, t) => ReadCommands.InDoubtAsync(c, p.GetValue(inDoubtRun)!, t));
        root.Subcommands.Add(inDoubt);

        var key = new Argument<string>("KEY") { Description = "The idempotency key of the effect (see batchkit in-doubt)." };
        var happened = new Option<bool>("--happened") { Description = "The effect happened downstream: confirm it, so it is never repeated." };
        var notHappened = new Option<bool>("--not-happened") { Description = "The effect did not happen: release it, so the next run performs it." };
        var resolveRun = RunArgument();
        var resolve = new Command("resolve", "Records what a person found downstream about an in-doubt effect.") { resolveRun, key, happened, notHappened };
        Handle(resolve, (c, p, t) => ChangeCommands.ResolveAsync(c, p.GetValue(resolveRun)!, p.GetValue(key)!, p.GetValue(happened), p.GetValue(notHappened), t));
        root.Subcommands.Add(resolve);

        var window = new Option<string>("--window", "-w") { Description = "The availability window (30d, 12h).", DefaultValueFactory = _ => "30d" };
        var slaJob = new Argument<string>("JOB") { Description = "The job name." };
        var sla = new Command("sla", "Shows a job's SLA results of its last run and its availability over a window.") { slaJob, window };
        Handle(sla, (c, p, t) => SlaCommands.SlaAsync(c, p.GetValue(slaJob)!, DurationParser.Parse(p.GetValue(window)!, "--window"), t));
        root.Subcommands.Add(sla);

        var trendLast = new Option<int>("--last", "-n") { Description = "How many runs.", DefaultValueFactory = _ => 30 };
        var trendJob = new Argument<string>("JOB") { Description = "The job name." };
        var trend = new Command("trend", "Charts the durations of a job's last runs.") { trendJob, trendLast };
        Handle(trend, (c, p, t) => SlaCommands.TrendAsync(c, p.GetValue(trendJob)!, p.GetValue(trendLast), t));
        root.Subcommands.Add(trend);

        var failed = new Option<bool>("--failed") { Description = "Mark the run's failed partitions pending, so the next run of the job processes them again." };
        var retryRun = RunArgument();
        var retry = new Command("retry", "Sends a run's failed partitions back to pending for its next run.") { retryRun, failed };
        Handle(retry, (c, p, t) => ChangeCommands.RetryAsync(c, p.GetValue(retryRun)!, p.GetValue(failed), t));
        root.Subcommands.Add(retry);

        var cancelRun = RunArgument();
        var cancel = new Command("cancel", "Cancels a run that has not completed: its workers claim no more partitions and stop at their next chunk boundary, resumable.") { cancelRun };
        Handle(cancel, (c, p, t) => ChangeCommands.CancelAsync(c, p.GetValue(cancelRun)!, t));
        root.Subcommands.Add(cancel);

        var olderThan = new Option<string>("--older-than") { Description = "Delete runs that ended longer ago than this (7d, 12h).", Required = true };
        var dryRun = new Option<bool>("--dry-run") { Description = "Only list what would be deleted." };
        var cleanup = new Command("cleanup", "Deletes the state, history and staging files of old runs that ended.") { olderThan, dryRun };
        Handle(cleanup, (c, p, t) => ChangeCommands.CleanupAsync(c, DurationParser.Parse(p.GetValue(olderThan)!, "--older-than"), p.GetValue(dryRun), t));
        root.Subcommands.Add(cleanup);

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var parseError in parsed.Errors)
            {
                await error.WriteLineAsync("batchkit: " + parseError.Message).ConfigureAwait(false);
            }

            await error.WriteLineAsync("Run 'batchkit --help' for the commands and their options.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var code = await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false }, cancellationToken).ConfigureAwait(false);
        return code;
    }

    private static Argument<string> RunArgument() => new("RUN") { Description = "The RunKey hash, or a unique prefix of it." };

    private static async Task<int> InvokeAsync(
        string? store, string? schema, bool json, TextWriter output, TextWriter error, Func<string, string?> environment, bool terminal, Func<CliContext, Task> action, CancellationToken cancellationToken)
    {
        try
        {
            var location = string.IsNullOrWhiteSpace(store) ? environment(StoreVariable) : store;
            if (string.IsNullOrWhiteSpace(location))
            {
                throw new CliException(ExitCodes.Usage, $"No store given: pass --store PATH (the job's SQLite state file) or --store CONNECTION-STRING (PostgreSQL), or set {StoreVariable}.");
            }

            // --schema, else $BATCHKIT_SCHEMA for a PostgreSQL store (a SQLite store refuses only an explicit --schema).
            var schemaName = schema ?? (PostgresConnectionString.Recognizes(location) ? environment(SchemaVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null : null);
            var opened = await StoreOpener.OpenAsync(location, schemaName, cancellationToken).ConfigureAwait(false);
            await using var context = new CliContext(opened, output, json, terminal && !json);
            await action(context).ConfigureAwait(false);
            return ExitCodes.Success;
        }
        catch (CliException ex)
        {
            await error.WriteLineAsync("batchkit: " + ex.Message).ConfigureAwait(false);
            return ex.ExitCode;
        }
        catch (BatchKitException ex)
        {
            await error.WriteLineAsync("batchkit: " + ex.Message).ConfigureAwait(false);
            return ExitCodes.Failure;
        }
    }
}
