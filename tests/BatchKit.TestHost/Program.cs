// A child process for BatchKit's cross-process tests: runs a job the way a host app would, so tests can kill it,
// run two at once, or reopen its state from another process.
using System.Globalization;
using System.Text.Json;
using BatchKit;
using BatchKit.Csv;
using BatchKit.DuckDb;
using DuckDB.NET.Data;
using BatchKit.Parquet;
using BatchKit.S3;
using Microsoft.Data.Sqlite;

var args2 = Args.Parse(args);
try
{
    return args2.Mode switch
    {
        "plan" => await Modes.PlanAsync(args2),
        "run" => await Modes.RunAsync(args2),
        "worker" => await Modes.WorkerAsync(args2),
        "pg-load" => await Modes.PgLoadAsync(args2),
        "effects" => await Modes.EffectsAsync(args2),
        "dump" => await Modes.DumpAsync(args2),
        "notify" => await Modes.NotifyAsync(args2),
        _ => throw new ArgumentException($"unknown mode '{args2.Mode}'"),
    };
}
catch (RunLeaseConflictException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 3;
}
catch (LeaseLostException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 4;
}

/// <summary>The command line: a mode and --name value pairs.</summary>
internal sealed record Args(string Mode, Dictionary<string, string> Values)
{
    public static Args Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            values[args[i].TrimStart('-')] = args[i + 1];
        }

        return new Args(args[0], values);
    }

    public string this[string name] => Values[name];

    public int Int(string name, int fallback) => Values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public string Text(string name, string fallback) => Values.TryGetValue(name, out var v) ? v : fallback;
}

/// <summary>An input record of the test jobs.</summary>
internal sealed record Item(long Id, string Name, int Value);

/// <summary>An output record of the test jobs.</summary>
internal sealed record Doubled(long Id, string Name, int Value);

internal static class Modes
{
    /// <summary>Prints the plan of the partitioners and the routes of keys 0..999, one per line, for determinism checks.</summary>
    public static async Task<int> PlanAsync(Args args)
    {
        var context = new PartitionPlanContext(new RunKey("plan", RunParameters.Of("date", new DateOnly(2026, 11, 22))));
        var hash = HashPartitioner<long>.ByInt64(16, k => k);
        var byString = HashPartitioner<string>.ByString(16, k => k);
        foreach (var partitioner in new IPartitioner[] { hash, Partitioners.RowRanges(10_000, 1_000), Partitioners.KeyRanges(-50, 1000, 7), Partitioners.TimeBuckets(new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero), TimeSpan.FromHours(6)) })
        {
            foreach (var p in await partitioner.PlanAsync(context, CancellationToken.None))
            {
                Console.WriteLine($"{p.Index}|{p.Id}|{p.Descriptor}");
            }
        }

        for (var k = 0L; k < 1000; k++)
        {
            Console.WriteLine($"route|{k}|{hash.Route(k)}|{byString.Route("key-" + k)}");
        }

        return 0;
    }

    /// <summary>
    /// Runs a job over JSON Lines input: one partition per input file, doubles values, writes one file per partition
    /// with the sink named by --sink (jsonl, the default; csv; parquet).
    /// </summary>
    public static async Task<int> RunAsync(Args args)
    {
        await using var store = StoreOf(args);
        var slowMs = args.Int("slow-ms", 0);
        var exitAfter = args.Int("exit-after-chunks", -1);
        var chunks = 0;
        // --s3-input s3://bucket/prefix/ reads the objects under a prefix instead, with the S3 client from the standard
        // AWS environment variables (AWS_ENDPOINT_URL_S3, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).
        // --sink s3-jsonl writes S3JsonLinesSink output under --s3-output s3://bucket/prefix/ with the same client;
        // --sink s3-parquet and s3-csv write S3ObjectSink output in those formats.
        using var s3 = args.Values.ContainsKey("s3-input") || args.Values.ContainsKey("s3-output") ? S3ClientOptions.FromEnvironment().CreateClient() : null;
        var s3Input = args.Values.ContainsKey("s3-input");
        var job = Job.Create("testhost-run")
            .ReadFrom(!s3Input ? new JsonLinesSource<Item>() : new JsonLinesSource<Item>() { Opener = new S3InputOpener(s3!, blockSize: 64 << 10) })
            .PartitionBy(!s3Input ? Partitioners.Files(args["input"], "*.jsonl") : new S3ObjectPartitioner(s3!, args["s3-input"], "*.jsonl"))
            .Validate(i => i.Value >= 0 ? null : "negative value")
            .Select(i => new Doubled(i.Id, i.Name, i.Value * 2))
            .Select(d =>
            {
                if (slowMs > 0 && d.Id % 100 == 0)
                {
                    Thread.Sleep(slowMs);
                }

                return d;
            })
            .WriteTo(new ExitingSink(
                args.Text("sink", "jsonl") switch
                {
                    "s3-jsonl" => new S3JsonLinesSink<Doubled>(s3!, args["s3-output"]),
                    "s3-parquet" => new S3ObjectSink<Doubled>(s3!, args["s3-output"], new ParquetRecordFormat<Doubled>()),
                    "s3-csv" => new S3ObjectSink<Doubled>(s3!, args["s3-output"], new CsvRecordFormat<Doubled>()),
                    _ => SinkOf(args),
                },
                () =>
                {
                    if (exitAfter >= 0 && Interlocked.Increment(ref chunks) > exitAfter)
                    {
                        Environment.Exit(9); // an abrupt stop: no checkpoint for the chunk just written
                    }
                },
                TimeSpan.FromMilliseconds(args.Int("slow-complete-ms", 0)),
                args.Text("stop-before-complete", string.Empty)))
            .WithParallelism(args.Int("parallel", 2))
            .WithCommitInterval(args.Int("commit", 100))
            .Configure(o =>
            {
                o.LeaseDuration = TimeSpan.FromSeconds(args.Int("lease-s", 30));
                if (args.Values.TryGetValue("lease-wait-s", out var wait))
                {
                    o.LeaseWaitTimeout = TimeSpan.FromSeconds(int.Parse(wait, CultureInfo.InvariantCulture));
                }
            })
            .UseCheckpointStore(store)
            .Build();
        using var shutdown = new GracefulShutdown();
        RunResult result;
        try
        {
            // --reconcile 1 reprocesses the partitions whose input changed since the run completed (late-arriving data).
            var options = new RunOptions { ReprocessChangedInput = args.Int("reconcile", 0) == 1 };
            result = await new JobRunner(job).RunAsync(RunParameters.Of("date", "2026-11-22"), options, shutdown.Token);
        }
        catch (OperationCanceledException) when (shutdown.IsRequested)
        {
            Console.WriteLine("stopped at a chunk boundary: resumable");
            return GracefulShutdown.ResumableExitCode;
        }

        Console.WriteLine($"status={result.Status} already={result.WasAlreadyCompleted} read={result.RecordsRead} written={result.RecordsWritten} errors={result.Errors} reconciled={result.PartitionsReconciled}");
        return result.Succeeded ? 0 : 1;
    }

    /// <summary>
    /// Runs a small job (--input, --state, --output) that notifies --webhook URL when the run completes
    /// (<see cref="WebhookNotifier"/>, no retries, a 5-minute request timeout), and prints
    /// <c>status=… already=… pending=…</c>. A test holds the delivery open and kills this process.
    /// </summary>
    public static async Task<int> NotifyAsync(Args args)
    {
        await using var store = StoreOf(args);
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
        var job = Job.Create("testhost-notify")
            .ReadFrom(new JsonLinesSource<Item>())
            .PartitionBy(Partitioners.Files(args["input"], "*.jsonl"))
            .WriteTo(new JsonLinesSink<Item>(args["output"]))
            .Configure(o => o.Retry.MaxRetries = 0)
            .OnCompleted(new WebhookNotifier(http, new Uri(args["webhook"])))
            .UseCheckpointStore(store)
            .Build();
        var result = await new JobRunner(job).RunAsync(RunParameters.Of("date", "2026-11-22"));
        Console.WriteLine($"status={result.Status} already={result.WasAlreadyCompleted} pending={result.NotificationPending} read={result.RecordsRead} written={result.RecordsWritten}");
        return result.Succeeded && !result.NotificationPending ? 0 : 1;
    }

    /// <summary>
    /// Runs one worker of a run shared by several processes (<see cref="JobRunner.RunWorkerAsync"/>): the job of
    /// <c>run</c> for --date, natural (one partition per input file) or, with --shuffle N, shuffled by id into N target
    /// partitions. --worker-index/--worker-count give its share, --lease-s its lease, --trace FILE appends (to FILE.pid)
    /// <c>E|timestamp</c> for each record of an extract partition and <c>T|timestamp</c> for each record of a target
    /// partition (monotonic clock, shared by the processes of this machine), --extra-step 1 changes the job definition.
    /// Prints the run's outcome and exits 0 when it completed. The store is --state or --store postgres:CONNECTION.
    /// </summary>
    public static async Task<int> WorkerAsync(Args args)
    {
        await using var store = StoreOf(args);
        var slowMs = args.Int("slow-ms", 0);
        var shuffle = args.Int("shuffle", 0);
        var trace = args.Text("trace", string.Empty);
        void Trace(char what)
        {
            if (trace.Length > 0)
            {
                File.AppendAllText(trace + "." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture), $"{what}|{System.Diagnostics.Stopwatch.GetTimestamp()}|{Environment.ProcessId}\n");
            }
        }

        // In a shuffled job only the extract partitions read the source: its records are the E events.
        var builder = Job.Create("testhost-worker")
            .ReadFrom(new TracingSource(new JsonLinesSource<Item>(), () => Trace('E')));
        builder = shuffle > 0
            ? builder.PartitionBy(Partitions(args))
                .ShuffleBy(HashPartitioner<Item>.ByInt64(shuffle, i => i.Id))
                .Select(i =>
                {
                    Trace('T');
                    return i;
                })
            : builder.PartitionBy(Partitions(args));
        if (args.Int("extra-step", 0) == 1)
        {
            builder = builder.Select(i => i);
        }

        var job = builder
            .Validate(i => i.Value >= 0 ? null : "negative value")
            .Select(i => new Doubled(i.Id, i.Name, i.Value * 2))
            .Select(d =>
            {
                if (slowMs > 0 && d.Id % 50 == 0)
                {
                    Thread.Sleep(slowMs);
                }

                return d;
            })
            .WriteTo(SinkOf(args))
            .WithParallelism(args.Int("parallel", 2))
            .WithCommitInterval(args.Int("commit", 100))
            .Configure(o =>
            {
                o.LeaseDuration = TimeSpan.FromSeconds(args.Int("lease-s", 30));
                if (args.Values.TryGetValue("staging", out var staging))
                {
                    o.StagingDirectory = staging;
                }
            })
            .UseCheckpointStore(store)
            .Build();
        var options = new WorkerOptions { WorkerCount = args.Int("worker-count", 0), WorkerIndex = args.Int("worker-index", 0), ResumeCancelled = args.Int("resume-cancelled", 0) == 1 };
        using var shutdown = new GracefulShutdown();
        RunResult[] results;
        try
        {
            // --date may name several dates: this process works on those runs at once, one RunKey each.
            var runner = new JobRunner(job);
            results = await Task.WhenAll(args.Text("date", "2026-11-22").Split(',').Select(d => runner.RunWorkerAsync(RunParameters.Of("date", d), options, shutdown.Token)));
        }
        catch (OperationCanceledException) when (shutdown.IsRequested)
        {
            Console.WriteLine("stopped at a chunk boundary: partitions handed back");
            return GracefulShutdown.ResumableExitCode;
        }

        foreach (var result in results)
        {
            Console.WriteLine($"run={result.RunKey} status={result.Status} processed={result.PartitionsProcessed} read={result.RecordsRead} written={result.RecordsWritten} errors={result.Errors}");
            if (result.Exception is not null)
            {
                Console.Error.WriteLine(result.Exception.GetType().Name + ": " + result.Exception.Message);
            }
        }

        return results.All(r => r.Succeeded) ? 0 : 1;
    }

    /// <summary>
    /// Loads --count generated records in --partitions row ranges into the PostgreSQL table --table (Append, created
    /// when absent), with the store in schema --pg-schema of the same database (--pg), so each chunk commits with its
    /// checkpoint (--with-checkpoint 0 turns that off). --slow-ms sleeps every 50th record.
    /// </summary>
    public static async Task<int> PgLoadAsync(Args args)
    {
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(args["pg"]);
        await using var store = new BatchKit.Postgres.PostgresCheckpointStore(new BatchKit.Postgres.PostgresCheckpointStoreOptions { DataSource = dataSource, Schema = args["pg-schema"] });
        await using var sink = new BatchKit.Postgres.PostgresSink<Doubled>(
            new BatchKit.Postgres.PostgresTableMapping<Doubled>(args["table"]),
            new BatchKit.Postgres.PostgresSinkOptions { DataSource = dataSource, Disposition = WriteDisposition.Append, CreateTable = true, CommitCheckpointWithChunk = args.Int("with-checkpoint", 1) == 1 });
        var count = args.Int("count", 3000);
        var slowMs = args.Int("slow-ms", 0);
        var items = Enumerable.Range(0, count).Select(i => new Item(i, "item-" + i.ToString(CultureInfo.InvariantCulture), i % 97)).ToList();
        var job = Job.Create("testhost-pg-load")
            .ReadFrom(EnumerableSource<Item>.FromList(items))
            .PartitionBy(Partitioners.RowRanges(count, Math.Max(1, count / args.Int("partitions", 3))))
            .Select(i =>
            {
                if (slowMs > 0 && i.Id % 50 == 0)
                {
                    Thread.Sleep(slowMs);
                }

                return new Doubled(i.Id, i.Name, i.Value * 2);
            })
            .WriteTo(sink)
            .WithParallelism(args.Int("parallel", 3))
            .WithCommitInterval(args.Int("commit", 100))
            .Configure(o => o.LeaseDuration = TimeSpan.FromSeconds(args.Int("lease-s", 30)))
            .UseCheckpointStore(store)
            .Build();
        var result = await new JobRunner(job).RunAsync(RunParameters.Of("date", "2026-11-22"));
        Console.WriteLine($"status={result.Status} read={result.RecordsRead} written={result.RecordsWritten}");
        if (result.Exception is not null)
        {
            Console.Error.WriteLine(result.Exception);
        }

        return result.Succeeded ? 0 : 1;
    }

    private static IPartitioner Partitions(Args args) => Partitioners.Files(args["input"], "*.jsonl");

    /// <summary>
    /// Runs a job whose side effect increments a counter row per record in a separate SQLite file. With --crash-on K,
    /// the process dies after the effect of record K and before its confirmation.
    /// </summary>
    public static async Task<int> EffectsAsync(Args args)
    {
        await using var store = new SqliteCheckpointStore(args["state"]);
        var counter = args["counter"];
        var crashOn = args.Int("crash-on", -1);
        using (var setup = Open(counter))
        {
            Execute(setup, "CREATE TABLE IF NOT EXISTS effects (id INTEGER PRIMARY KEY, times INTEGER NOT NULL, idem_key TEXT NOT NULL)");
        }

        var items = Enumerable.Range(1, args.Int("count", 50)).Select(i => new Item(i, "item-" + i, i)).ToList();
        var job = Job.Create("testhost-effects")
            .ReadFrom(EnumerableSource<Item>.FromList(items))
            .PartitionBy(Partitioners.RowRanges(items.Count, 10))
            .AddSideEffect(i => i.Id.ToString(CultureInfo.InvariantCulture), (item, key, ct) =>
            {
                using var connection = Open(counter);
                Execute(connection, $"INSERT INTO effects (id, times, idem_key) VALUES ({item.Id}, 1, '{key}') ON CONFLICT (id) DO UPDATE SET times = times + 1");
                if (item.Id == crashOn)
                {
                    Environment.FailFast("crash between effect and confirm");
                }

                return ValueTask.CompletedTask;
            })
            .WriteTo(new DelegateSink<Item>(_ => { }))
            .WithParallelism(1)
            .WithCommitInterval(5)
            .Configure(o => o.LeaseDuration = TimeSpan.FromSeconds(args.Int("lease-s", 30)))
            .UseCheckpointStore(store)
            .Build();
        var result = await new JobRunner(job).RunAsync(RunParameters.Of("date", "2026-11-22"));
        var inDoubt = await store.ListInDoubtEffectsAsync(result.RunKey.Value, CancellationToken.None);
        Console.WriteLine($"status={result.Status} in_doubt={inDoubt.Count}");
        Console.WriteLine("in_doubt_keys=" + JsonSerializer.Serialize(inDoubt.Select(d => d.Key)));
        return result.Succeeded || result.Status == RunStatus.CompletedWithDoubts ? 0 : 1;
    }

    /// <summary>
    /// Prints every record of the published output files of --sink under --output as <c>id|name|value</c>, one per line
    /// (for the DuckDB sinks, the rows of the table, ordered by id).
    /// </summary>
    public static async Task<int> DumpAsync(Args args)
    {
        var sink = args.Text("sink", "jsonl");
        if (sink.StartsWith("duckdb-", StringComparison.Ordinal))
        {
            await using var connection = new DuckDBConnection($"Data Source={Warehouse(args)};ACCESS_MODE=READ_ONLY");
            await connection.OpenAsync();
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT id, name, value FROM {DuckDbTable} ORDER BY id";
            using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                Console.WriteLine($"{reader.GetInt64(0)}|{reader.GetString(1)}|{reader.GetInt32(2)}");
            }

            return 0;
        }

        var files = Directory.GetFiles(args["output"], "*." + sink, SearchOption.AllDirectories).Order(StringComparer.Ordinal);
        foreach (var file in files)
        {
            switch (sink)
            {
                case "jsonl":
                    foreach (var line in File.ReadLines(file))
                    {
                        Print(JsonSerializer.Deserialize<Doubled>(line, JsonSerializerOptions.Web)!);
                    }

                    break;
                case "csv":
                    foreach (var line in File.ReadLines(file).Skip(1))
                    {
                        var fields = line.Split(',');
                        Print(new Doubled(long.Parse(fields[0], CultureInfo.InvariantCulture), fields[1], int.Parse(fields[2], CultureInfo.InvariantCulture)));
                    }

                    break;
                default:
                    var context = new SourceContext(new RunKey("dump", RunParameters.Empty), new Partition(0, "dump", PartitionDescriptor.File(file)), 0);
                    await using (var reader = await new ParquetSource<Doubled>().OpenAsync(context, CancellationToken.None))
                    {
                        var buffer = new Doubled[1000];
                        int n;
                        while ((n = await reader.ReadAsync(buffer, CancellationToken.None)) > 0)
                        {
                            foreach (var record in buffer.AsSpan(0, n))
                            {
                                Print(record);
                            }
                        }
                    }

                    break;
            }
        }

        return 0;

        static void Print(Doubled d) => Console.WriteLine($"{d.Id}|{d.Name}|{d.Value}");
    }

    /// <summary>The state store: --store postgres:CONNECTION (tables in schema --pg-schema, default batchkit), or the SQLite file --state.</summary>
    private static ICheckpointStore StoreOf(Args args) =>
        args.Values.TryGetValue("store", out var store) && store.StartsWith("postgres:", StringComparison.Ordinal)
            ? new BatchKit.Postgres.PostgresCheckpointStore(new BatchKit.Postgres.PostgresCheckpointStoreOptions { ConnectionString = store["postgres:".Length..], Schema = args.Text("pg-schema", "batchkit") })
            : new SqliteCheckpointStore(args["state"]);

    private static ISink<Doubled> SinkOf(Args args) => args.Text("sink", "jsonl") switch
    {
        "jsonl" => new JsonLinesSink<Doubled>(args["output"]),
        "csv" => new CsvSink<Doubled>(args["output"]),
        "parquet" => new ParquetSink<Doubled>(args["output"]),
        "duckdb-upsert" => DuckDbSinkOf(args, WriteDisposition.Upsert),
        "duckdb-replace" => DuckDbSinkOf(args, WriteDisposition.ReplacePartition),
        var other => throw new ArgumentException($"unknown sink '{other}'"),
    };

    private const string DuckDbTable = "doubled";

    /// <summary>The DuckDB file of the DuckDB sinks: <c>&lt;output&gt;/warehouse.duckdb</c>.</summary>
    private static string Warehouse(Args args) => Path.Combine(args["output"], "warehouse.duckdb");

    /// <summary>
    /// A DuckDB sink of table <c>doubled</c> keyed by id; with ReplacePartition each partition (an input file) owns the
    /// slice of ids from the smallest to the largest id of its file.
    /// </summary>
    private static DuckDbSink<Doubled> DuckDbSinkOf(Args args, WriteDisposition disposition)
    {
        Directory.CreateDirectory(args["output"]);
        return new DuckDbSink<Doubled>(
            new DuckDbTableMapping<Doubled>(DuckDbTable).HasKey(d => d.Id),
            new DuckDbSinkOptions
            {
                ConnectionString = $"Data Source={Warehouse(args)}",
                Disposition = disposition,
                LockTimeout = TimeSpan.FromSeconds(args.Int("lock-timeout-s", 30)),
                Slice = disposition == WriteDisposition.ReplacePartition ? FileSlice : null,
            });
    }

    private static DuckDbSlice FileSlice(SinkContext context)
    {
        var ids = File.ReadLines(PartitionDescriptor.ParseFile(context.Partition.Descriptor))
            .Select(line => JsonSerializer.Deserialize<Item>(line, JsonSerializerOptions.Web)!.Id)
            .ToList();
        return DuckDbSlice.Where("id BETWEEN $lo AND $hi", ("lo", ids.Count == 0 ? 0 : ids.Min()), ("hi", ids.Count == 0 ? -1 : ids.Max()));
    }

    private static SqliteConnection Open(string path)
    {
        var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}

/// <summary>Passes a source's records on, calling an action for each record read.</summary>
internal sealed class TracingSource(ISource<Item> inner, Action onRecord) : ISource<Item>
{
    public async ValueTask<ISourceReader<Item>> OpenAsync(SourceContext context, CancellationToken cancellationToken) =>
        new Reader(await inner.OpenAsync(context, cancellationToken), onRecord);

    private sealed class Reader(ISourceReader<Item> inner, Action onRecord) : ISourceReader<Item>
    {
        public long Position => inner.Position;

        public async ValueTask<int> ReadAsync(Memory<Item> buffer, CancellationToken cancellationToken)
        {
            var n = await inner.ReadAsync(buffer, cancellationToken);
            for (var i = 0; i < n; i++)
            {
                onRecord();
            }

            return n;
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}

/// <summary>
/// Calls a hook before each chunk is committed, so the host can stop abruptly between write and checkpoint; with a
/// completion delay (--slow-complete-ms), waits between the partition's last commit and its completion, so a test can
/// pause the process while its output is staged but not yet published (a DuckDB sink's staging files, before the
/// warehouse is opened to apply them).
/// </summary>
internal sealed class ExitingSink(ISink<Doubled> inner, Action beforeCommit, TimeSpan beforeComplete, string stopBeforeComplete = "") : ISink<Doubled>, IPartitionOutputRemover
{
    public WriteDisposition Disposition => inner.Disposition;

    // The file sinks publish one output per partition: passed on, so the wrapped sink can still reconcile late data.
    public ValueTask RemovePartitionOutputAsync(SinkContext context, CancellationToken cancellationToken) =>
        inner is IPartitionOutputRemover remover ? remover.RemovePartitionOutputAsync(context, cancellationToken) : ValueTask.CompletedTask;

    public async ValueTask<ISinkWriter<Doubled>> OpenAsync(SinkContext context, CancellationToken cancellationToken) =>
        new Writer(await inner.OpenAsync(context, cancellationToken), beforeCommit, beforeComplete, context, stopBeforeComplete);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private sealed class Writer(ISinkWriter<Doubled> inner, Action beforeCommit, TimeSpan beforeComplete, SinkContext context, string stopBeforeComplete) : ISinkWriter<Doubled>
    {
        public async ValueTask WriteAsync(ReadOnlyMemory<Doubled> records, CancellationToken cancellationToken)
        {
            await inner.WriteAsync(records, cancellationToken);
            beforeCommit();
        }

        public ValueTask<long> CommitAsync(CancellationToken cancellationToken) => inner.CommitAsync(cancellationToken);

        public async ValueTask CompleteAsync(CancellationToken cancellationToken)
        {
            // The executor committed the last chunk (and checkpointed it) before it completes the partition.
            if (beforeComplete > TimeSpan.Zero)
            {
                // Tests pause the process here (SIGSTOP): every record is written, the partition not yet published.
                Console.WriteLine($"completing partition={context.Partition.Id} epoch={context.Fence?.Epoch}");
                await Task.Delay(beforeComplete, cancellationToken);
            }

            // --stop-before-complete ID: the process pauses itself (SIGSTOP) with every record of that partition written and
            // the partition not yet published, once (at epoch 1); the test wakes it (SIGCONT) when it wants.
            if (stopBeforeComplete == context.Partition.Id && context.Fence?.Epoch == 1)
            {
                Console.WriteLine($"stopping partition={context.Partition.Id} epoch={context.Fence.Epoch}");
                _ = Kill(Environment.ProcessId, 19);
                Console.WriteLine($"continued partition={context.Partition.Id}");
            }

            await inner.CompleteAsync(cancellationToken);
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
