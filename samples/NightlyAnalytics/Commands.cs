using System.Diagnostics;
using System.Globalization;
using BatchKit;

namespace NightlyAnalytics;

/// <summary>The command-line commands of the sample: <c>generate</c>, <c>run</c>, <c>worker</c>, and the no-argument demo.</summary>
internal static class Commands
{
    public const string Usage = """
        usage:
          NightlyAnalytics generate --events N --out DIR|s3://bucket/prefix/ [--files F] [--seed S]
          NightlyAnalytics run --input DIR|s3://bucket/prefix/ --warehouse FILE.duckdb|PG [--state FILE.db|PG] [--staging DIR] [--date yyyy-MM-dd] [--parallelism P] [--write replace|upsert] [--shuffle partials|rows] [--lease-seconds S]
          NightlyAnalytics serve --input DIR --warehouse FILE.duckdb --state FILE.db [--urls http://127.0.0.1:5080] [--schedule CRON] [--date yyyy-MM-dd] [--parallelism P]
          NightlyAnalytics worker (the options of run) [--worker-index I --worker-count N]   (one worker of N sharing a run; defaults from JOB_COMPLETION_INDEX and BATCHKIT_WORKER_COUNT)
          s3://: the client from AWS_ENDPOINT_URL_S3 (or AWS_ENDPOINT_URL), AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
          PG: a PostgreSQL connection string, Host=...;Database=... or postgres://user:password@host:port/database
          without --warehouse/--state: BATCHKIT_NIGHTLY_WAREHOUSE/BATCHKIT_NIGHTLY_STATE from the environment
          NightlyAnalytics                (no arguments: generate 1M events into a temp folder once and run the job)
          NightlyAnalytics <command> --help   (every option of the command, with its description)
        """;

    public static Task<int> DispatchAsync(string[] args) => CommandLine.InvokeAsync(args, GenerateAsync, RunAsync, WorkerAsync, ServeCommand.RunAsync);

    public static async Task<int> DefaultAsync()
    {
        // Under the current folder, not a shared temp folder: on a shared machine another user's run is not this one's.
        var home = Path.Combine(Environment.CurrentDirectory, "batchkit-nightly");
        var input = Path.Combine(home, "events");
        const long events = 1_000_000;
        var complete = Enumerable.Range(0, EventGenerator.DefaultFiles)
            .All(f => File.Exists(Path.Combine(input, $"events-{f:D4}.parquet")));
        if (!complete)
        {
            Console.WriteLine($"Generating {events:N0} events into {input} ...");
            await EventGenerator.GenerateAsync(input, events);
        }

        var settings = new NightlyJobSettings { InputDirectory = input, WarehousePath = Path.Combine(home, "warehouse.duckdb") };
        Console.WriteLine($"Running job '{NightlyJob.JobName}' for {settings.Date:yyyy-MM-dd}: warehouse {settings.WarehouseDescription}, state {settings.StateDescription}");
        var code = await ExecuteAsync(settings);
        Console.WriteLine($"Run it again: the RunKey has completed, so the job does nothing but verify. Delete {home} to start over.");
        return code;
    }

    private static async Task<int> GenerateAsync(Dictionary<string, string> options)
    {
        var events = CommandLine.Count(options, "events", null);
        var output = CommandLine.Required(options, "out");
        var files = (int)CommandLine.Count(options, "files", EventGenerator.DefaultFiles);
        var seed = (int)CommandLine.Count(options, "seed", EventGenerator.DefaultSeed);
        if (events < 0 || files < 1)
        {
            throw new UsageException($"--events must be 0 or more and --files at least 1, found {events} and {files}.");
        }

        var clock = Stopwatch.StartNew();
        if (!S3Events.IsS3(output))
        {
            var paths = await EventGenerator.GenerateAsync(output, events, files, seed);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"generated events={events} files={paths.Count} seed={seed} out={Path.GetFullPath(output)} elapsed_s={clock.Elapsed.TotalSeconds:F2}"));
            return 0;
        }

        // s3://bucket/prefix/: the same files, written to a local temporary folder first and then uploaded (one PUT each).
        var location = S3Events.Normalize(output);
        var local = Path.Combine(Path.GetTempPath(), "batchkit-nightly-generate-" + Guid.NewGuid().ToString("N"));
        try
        {
            var paths = await EventGenerator.GenerateAsync(local, events, files, seed);
            using var s3 = S3Events.CreateClient();
            await S3Events.UploadAsync(s3, location, paths);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"generated events={events} files={paths.Count} seed={seed} out={location} elapsed_s={clock.Elapsed.TotalSeconds:F2}"));
            return 0;
        }
        finally
        {
            if (Directory.Exists(local))
            {
                Directory.Delete(local, recursive: true);
            }
        }
    }

    private static Task<int> RunAsync(Dictionary<string, string> options)
    {
        var settings = ParseJobSettings(options);
        return ExecuteAsync(settings, ct => NightlyJob.RunWithProgressAsync(settings, ct));
    }

    /// <summary>
    /// One worker of a run shared by several processes (a pod of a Kubernetes Indexed Job, or processes on one machine):
    /// the options of <c>run</c>, plus the worker's index and count, from <c>--worker-index</c>/<c>--worker-count</c> or
    /// else <c>JOB_COMPLETION_INDEX</c>/<c>BATCHKIT_WORKER_COUNT</c> (without either, it claims in plan order).
    /// </summary>
    private static Task<int> WorkerAsync(Dictionary<string, string> options)
    {
        var settings = ParseJobSettings(options);
        WorkerOptions worker;
        try
        {
            worker = WorkerOptions.FromEnvironment();
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }

        if (options.ContainsKey("worker-index") || options.ContainsKey("worker-count"))
        {
            worker.WorkerIndex = (int)CommandLine.Count(options, "worker-index", null);
            worker.WorkerCount = (int)CommandLine.Count(options, "worker-count", null);
        }

        if (worker.WorkerCount < 0 || (worker.WorkerCount > 0 && (worker.WorkerIndex < 0 || worker.WorkerIndex >= worker.WorkerCount)))
        {
            throw new UsageException($"the worker index must be between 0 and the worker count - 1, found index {worker.WorkerIndex} of {worker.WorkerCount}.");
        }

        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"worker {worker.WorkerIndex} of {worker.WorkerCount} (pid {Environment.ProcessId}): run {NightlyJob.JobName} date={settings.Date:yyyy-MM-dd}, state {settings.StateDescription}, warehouse {settings.WarehouseDescription}, staging {settings.StagingDirectory}"));
        return ExecuteAsync(settings, ct => NightlyJob.RunWorkerAsync(settings, worker, ct));
    }

    /// <summary>Reads the options that <c>run</c> and <c>worker</c> share into the job's settings.</summary>
    private static NightlyJobSettings ParseJobSettings(Dictionary<string, string> options)
    {
        var dateText = options.GetValueOrDefault("date");
        DateOnly date = NightlyJob.DefaultDate;
        if (dateText is not null && !DateOnly.TryParseExact(dateText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date))
        {
            throw new UsageException($"--date expects yyyy-MM-dd, found '{dateText}'.");
        }

        var parallelism = (int)CommandLine.Count(options, "parallelism", Environment.ProcessorCount);
        if (parallelism < 1)
        {
            throw new UsageException($"--parallelism must be at least 1, found {parallelism}.");
        }

        var leaseSeconds = CommandLine.Count(options, "lease-seconds", 10);
        if (leaseSeconds < 1)
        {
            throw new UsageException($"--lease-seconds must be at least 1, found {leaseSeconds}.");
        }

        var settings = new NightlyJobSettings
        {
            LeaseDuration = TimeSpan.FromSeconds(leaseSeconds),
            InputDirectory = CommandLine.Required(options, "input"),
            WarehousePath = options.GetValueOrDefault("warehouse") is { Length: > 0 } warehouse
                ? warehouse
                : Environment.GetEnvironmentVariable(NightlyJobSettings.WarehouseVariable) is { Length: > 0 } fromEnvironment
                    ? fromEnvironment
                    : CommandLine.Required(options, "warehouse"),
            StatePath = options.GetValueOrDefault("state") is { Length: > 0 } state ? state : Environment.GetEnvironmentVariable(NightlyJobSettings.StateVariable) is { Length: > 0 } s ? s : null,
            StagingPath = options.GetValueOrDefault("staging"),
            Date = date,
            Parallelism = parallelism,
            WriteDisposition = options.GetValueOrDefault("write", "replace") switch
            {
                "replace" => WriteDisposition.ReplacePartition,
                "upsert" => WriteDisposition.Upsert,
                var other => throw new UsageException($"--write expects 'replace' or 'upsert', found '{other}'."),
            },
            CombineBeforeShuffle = options.GetValueOrDefault("shuffle", "partials") switch
            {
                "partials" => true,
                "rows" => false,
                var other => throw new UsageException($"--shuffle expects 'partials' or 'rows', found '{other}'."),
            },
        };

        // Malformed connection strings and URLs are usage errors (exit 2), reported without their text.
        foreach (var value in new[] { settings.WarehousePath, settings.ResolvedStatePath }.Where(NightlyJobSettings.IsPostgres))
        {
            _ = NightlyJobSettings.ToNpgsql(value);
        }

        if (settings.WarehouseIsPostgres && settings.StateIsPostgres && settings.StagingPath is null)
        {
            throw new UsageException("--staging is required when the warehouse and the state are in PostgreSQL: a folder every worker of the run reaches (a shared volume).");
        }

        return settings;
    }

    private static Task<int> ExecuteAsync(NightlyJobSettings settings) => ExecuteAsync(settings, ct => NightlyJob.RunWithProgressAsync(settings, ct));

    private static async Task<int> ExecuteAsync(NightlyJobSettings settings, Func<CancellationToken, Task<NightlyOutcome>> run)
    {
        using var shutdown = new GracefulShutdown();
        NightlyOutcome outcome;
        try
        {
            outcome = await run(shutdown.Token);
        }
        catch (OperationCanceledException) when (shutdown.IsRequested)
        {
            Console.WriteLine("Stopped at a chunk boundary; run again with the same arguments to resume.");
            return GracefulShutdown.ResumableExitCode;
        }
        catch (Exception e) when (e is BatchKitException or IOException or InvalidDataException or System.Data.Common.DbException)
        {
            Console.Error.WriteLine($"error: {e.GetType().Name}: {e.Message}");
            return 1;
        }

        var result = outcome.Result;
        if (result.WasAlreadyCompleted)
        {
            Console.WriteLine($"Run {result.RunKey} already completed: nothing to do; verifying the warehouse.");
        }

        Console.WriteLine(outcome.ToSummaryLine(PeakRssMb()));
        PrintWhereToLook(settings, result);
        if (!result.Succeeded)
        {
            Console.Error.WriteLine($"error: the run ended {result.Status}: {result.Exception?.Message}");
            return 1;
        }

        if (!outcome.Verified)
        {
            Console.Error.WriteLine(
                $"error: verification failed: the warehouse holds {outcome.WarehouseEvents} events for {settings.Date:yyyy-MM-dd} in {settings.WarehouseDescription}, " +
                $"expected {outcome.ExpectedEvents} (records_in {result.RecordsRead} - errors {result.Errors}).");
            return 3;
        }

        return 0;
    }

    // The state file holds the run's history, partitions and error records; the batchkit tool reads it.
    private static void PrintWhereToLook(NightlyJobSettings settings, RunResult result)
    {
        // A PostgreSQL state is named without its password; the tool takes the connection string from BATCHKIT_STORE.
        var store = settings.StateIsPostgres ? "\"$BATCHKIT_STORE\""
            : settings.ResolvedStatePath.Contains(' ', StringComparison.Ordinal) ? $"\"{settings.ResolvedStatePath}\"" : settings.ResolvedStatePath;
        Console.WriteLine($"State, history and error records: {settings.StateDescription} ({result.Errors:N0} error records). Look at them with the batchkit tool:");
        Console.WriteLine($"  batchkit runs --store {store}");
        Console.WriteLine($"  batchkit partitions {result.RunKey.Value} --store {store}");
        Console.WriteLine($"  batchkit errors {result.RunKey.Value} --store {store} --limit 20");
    }

    /// <summary>Reads the peak resident set size (VmHWM) from /proc, where there is one.</summary>
    private static double? PeakRssMb()
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status))
        {
            return null;
        }

        var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        var parts = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts is { Length: >= 2 } && long.TryParse(parts[1], CultureInfo.InvariantCulture, out var kb) ? kb / 1024.0 : null;
    }
}
