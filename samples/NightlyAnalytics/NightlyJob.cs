using System.Globalization;
using BatchKit;
using BatchKit.DuckDb;
using BatchKit.Parquet;
using BatchKit.Postgres;
using BatchKit.S3;
using Amazon.S3;
using DuckDB.NET.Data;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace NightlyAnalytics;

/// <summary>
/// The nightly analytics job: reads the day's events from Parquet, shuffles them by <c>user_id % 200</c>, rejects
/// events without a type (or outside the day) as error records, aggregates per (date, user, type, hour) and replaces
/// each partition's slice of the table <c>daily_aggregates</c> in DuckDB or PostgreSQL.
/// </summary>
public static class NightlyJob
{
    /// <summary>The job name, the first part of every RunKey.</summary>
    public const string JobName = "nightly-analytics";

    /// <summary>The number of shuffled partitions (<c>user_id % 200</c>).</summary>
    public const int PartitionCount = 200;

    /// <summary>How many times a worker joins its run when its run lease is taken over while it plans or finalizes.</summary>
    public const int MaxJoins = 5;

    /// <summary>The warehouse table.</summary>
    public const string TableName = "daily_aggregates";

    /// <summary>Gets the default business date, 2026-11-22.</summary>
    public static DateOnly DefaultDate { get; } = new(2026, 11, 22);

    /// <summary>Returns the identifying run parameters of a business date.</summary>
    /// <param name="date">The business date.</param>
    /// <returns>The run parameters (<c>date=yyyy-MM-dd</c>).</returns>
    public static RunParameters Parameters(DateOnly date) => RunParameters.Of("date", date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));

    /// <summary>Builds the job definition, with the sink <see cref="CreateSink"/> makes for the settings.</summary>
    /// <param name="settings">The input, warehouse, date and tuning.</param>
    /// <param name="store">The checkpoint store; the caller disposes it.</param>
    /// <param name="loggerFactory">The logger factory, or <see langword="null"/> for none.</param>
    /// <returns>The job.</returns>
    /// <remarks>A PostgreSQL warehouse's sink owns a connection pool: use the overload that takes the sink, and dispose it after the run.</remarks>
    public static Job Build(NightlyJobSettings settings, ICheckpointStore store, ILoggerFactory? loggerFactory = null) =>
        Build(settings, store, CreateSink(settings), loggerFactory);

    /// <summary>Creates the warehouse sink: DuckDB for a file, PostgreSQL (binary COPY, fenced merge) for a connection string.</summary>
    /// <param name="settings">The warehouse, date and write disposition.</param>
    /// <returns>The sink; dispose it (when it is <see cref="IAsyncDisposable"/>) after the run.</returns>
    /// <remarks>
    /// DuckDB with <see cref="WriteDisposition.ReplacePartition"/> stages every partition and replaces the whole day
    /// in one transaction when the run completes. PostgreSQL replaces each hash partition's slice of the day
    /// (<c>event_date</c> and <c>user_id % 200</c>) in one transaction when that partition completes, so the 200 slices of
    /// a rerun are published one by one. With <see cref="WriteDisposition.Upsert"/>, both merge each chunk on the key.
    /// </remarks>
    public static ISink<DailyAggregate> CreateSink(NightlyJobSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var date = settings.Date;
        var bucket = $"((user_id % {PartitionCount}) + {PartitionCount}) % {PartitionCount}";
        if (settings.WarehouseIsPostgres)
        {
            var pgMapping = new PostgresTableMapping<DailyAggregate>(TableName)
                .HasKey(x => x.EventDate, x => x.UserId, x => x.EventType, x => x.Hour);
            return new PostgresSink<DailyAggregate>(pgMapping, new PostgresSinkOptions
            {
                ConnectionString = NightlyJobSettings.PostgresConnectionString(settings.WarehousePath),
                Disposition = settings.WriteDisposition,
                CreateTable = true,
                MaxConnections = Math.Max(2, settings.Parallelism),
                Slice = context => PostgresSlice.Where(
                    $"event_date = @date AND {bucket} = @bucket",
                    ("date", date),
                    ("bucket", PartitionDescriptor.ParseHash(context.Partition.Descriptor).Bucket)),
            });
        }

        var mapping = new DuckDbTableMapping<DailyAggregate>(TableName)
            .HasKey(x => x.EventDate, x => x.UserId, x => x.EventType, x => x.Hour);
        return new DuckDbSink<DailyAggregate>(mapping, new DuckDbSinkOptions
        {
            ConnectionString = settings.ConnectionString,
            Disposition = settings.WriteDisposition,
            Slice = context => DuckDbSlice.Where(
                $"event_date = $date AND {bucket} = $bucket",
                ("date", date),
                ("bucket", PartitionDescriptor.ParseHash(context.Partition.Descriptor).Bucket)),

            // Partitions stay in staging until all 200 completed; the run then replaces the whole day in one transaction.
            RunSlice = settings.WriteDisposition == WriteDisposition.ReplacePartition ? _ => DuckDbSlice.Where("event_date = $date", ("date", date)) : null,
        });
    }

    /// <summary>Opens the checkpoint store of the settings: PostgreSQL for a connection string, otherwise a SQLite file.</summary>
    /// <param name="settings">The settings.</param>
    /// <returns>The store; the caller disposes it.</returns>
    public static ICheckpointStore OpenStore(NightlyJobSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.StateIsPostgres
            ? new PostgresCheckpointStore(new PostgresCheckpointStoreOptions { ConnectionString = NightlyJobSettings.PostgresConnectionString(settings.ResolvedStatePath) })
            : new SqliteCheckpointStore(settings.ResolvedStatePath);
    }

    /// <summary>Builds the job definition.</summary>
    /// <param name="settings">The input, warehouse, date and tuning.</param>
    /// <param name="store">The checkpoint store; the caller disposes it.</param>
    /// <param name="sink">The warehouse sink (<see cref="CreateSink"/>); the caller disposes it.</param>
    /// <param name="loggerFactory">The logger factory, or <see langword="null"/> for none.</param>
    /// <param name="s3">The S3 client an <c>s3://</c> input is read with (<see cref="S3Events.CreateClient"/>); the caller disposes it.</param>
    /// <returns>The job.</returns>
    /// <exception cref="ArgumentException">The input is an S3 prefix and <paramref name="s3"/> is <see langword="null"/>.</exception>
    public static Job Build(NightlyJobSettings settings, ICheckpointStore store, ISink<DailyAggregate> sink, ILoggerFactory? loggerFactory = null, IAmazonS3? s3 = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(sink);
        if (settings.InputIsS3 && s3 is null)
        {
            throw new ArgumentException($"The input '{settings.InputDirectory}' is in S3: pass the S3 client.", nameof(s3));
        }
        var date = settings.Date;
        var dayStart = date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).Ticks;
        var dayEnd = dayStart + TimeSpan.TicksPerDay;

        Func<Event, string?> rule = e => e.EventTypeCode switch
        {
            EventTypes.NullCode => "event_type is null",
            EventTypes.UnknownCode => "event_type is not one of " + string.Join(", ", EventTypes.Names),
            _ when e.TimestampTicks < dayStart || e.TimestampTicks >= dayEnd =>
                string.Create(CultureInfo.InvariantCulture, $"ts {e.Timestamp:O} is outside the run date {date:yyyy-MM-dd}"),
            _ => null,
        };
        // A local folder: one partition per row group. An S3 prefix: one partition per object, with its size and ETag in
        // the frozen plan; the generated files hold one row group each (up to 1M events), so both plan the same partitions.
        var events = settings.InputIsS3
            ? Job.Create(JobName)
                .ReadFrom(new ParquetSource<Event>(new EventRowMapper()) { Opener = new S3InputOpener(s3!) })
                .PartitionBy(new S3ObjectPartitioner(s3!, S3Events.Normalize(settings.InputDirectory), "*.parquet"))
            : Job.Create(JobName)
                .ReadFrom(new ParquetSource<Event>(new EventRowMapper()))
                .PartitionBy(ParquetPartitioner.ForDirectory(settings.InputDirectory, "*.parquet", rowGroupsPerPartition: 1));
        var aggregates = settings.CombineBeforeShuffle
            ? events
                .Validate(rule)
                .AggregateBy(HashPartitioner<DailyPartial>.ByInt64(PartitionCount, p => p.UserId), () => new DailyAggregator(date), new DailyPartialSerializer())
            : events
                .ShuffleBy(HashPartitioner<Event>.ByInt64(PartitionCount, e => e.UserId), new EventStagingSerializer())
                .Validate(rule)
                .Aggregate(() => new DailyAggregator(date));
        var builder = aggregates
            .WriteTo(sink)
            .WithParallelism(settings.Parallelism)
            .WithCommitInterval(settings.CommitInterval)
            .Configure(o =>
            {
                o.StagingDirectory = settings.StagingDirectory;

                // A killed process keeps the run lease until it expires; a rerun waits that long, then takes it over.
                o.LeaseDuration = settings.LeaseDuration;
                // Workers that start together take the run lease one after another to join; on a loaded machine that queue
                // can outlast two leases, so wait a minute more before giving up.
                o.LeaseWaitTimeout = (settings.LeaseDuration * 2) + TimeSpan.FromMinutes(1);

                // A sink write that fails transiently (a broken connection, the server restarting) is retried with
                // backoff for about a minute (0.25 s doubling, 8 times) before the partition attempt fails.
                o.Retry.MaxRetries = 8;
                o.Retry.BaseDelay = TimeSpan.FromMilliseconds(250);
            })

            // The template's SLA definition and alert thresholds: stored with each run, alerted (logged) when missed.
            .WithSla(s => s.MinRecords(1).MaxErrorRate(0.001).MaxDuration(TimeSpan.FromHours(2)).MaxPendingPartitions(0).Availability(0.99, TimeSpan.FromDays(30)))
            .UseCheckpointStore(store);
        if (loggerFactory is not null)
        {
            builder.UseLoggerFactory(loggerFactory);
        }

        return builder.Build();
    }

    /// <summary>Runs the job for the settings' date, then checks the warehouse against the run's counts.</summary>
    /// <param name="settings">The input, warehouse, date and tuning.</param>
    /// <param name="cancellationToken">Stops the run at a chunk boundary.</param>
    /// <returns>The run's result and the warehouse check.</returns>
    public static Task<NightlyOutcome> RunAsync(NightlyJobSettings settings, CancellationToken cancellationToken = default) =>
        ExecuteAsync(settings, (runner, parameters) => runner.RunAsync(parameters, cancellationToken), cancellationToken);

    /// <summary>
    /// Runs the job as <see cref="RunAsync"/> does, showing its progress (BatchKit.Console): a bar per running partition
    /// on a terminal, a <c>progress run=...</c> line every 5 seconds and a final one when the output is redirected.
    /// </summary>
    /// <param name="settings">The input, warehouse, date and tuning.</param>
    /// <param name="cancellationToken">Stops the run at a chunk boundary.</param>
    /// <returns>The run's result and the warehouse check.</returns>
    public static Task<NightlyOutcome> RunWithProgressAsync(NightlyJobSettings settings, CancellationToken cancellationToken = default) =>
        ExecuteAsync(settings, (runner, parameters) => runner.RunWithConsoleProgressAsync(parameters, cancellationToken), cancellationToken);

    /// <summary>
    /// Runs one worker of a run that several processes share (through a PostgreSQL state, or a SQLite state on one
    /// machine), then checks the warehouse against the run's counts. Every worker returns the run's final status.
    /// </summary>
    /// <param name="settings">The input, warehouse, date and tuning; every worker of a run must be given the same.</param>
    /// <param name="worker">The worker's index and count.</param>
    /// <param name="cancellationToken">Stops this worker at a chunk boundary; its partitions go back to the others.</param>
    /// <returns>The run's result and the warehouse check.</returns>
    public static Task<NightlyOutcome> RunWorkerAsync(NightlyJobSettings settings, WorkerOptions worker, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(worker);
        return ExecuteAsync(settings, (runner, parameters) => JoinAsync(runner, parameters, worker, cancellationToken), cancellationToken);
    }

    // A worker whose run lease (held only to plan or finalize the run) was taken over, because it stalled past the
    // lease, joins again: the worker that took the lease over planned or finalized the run, and the join reads that.
    private static async Task<RunResult> JoinAsync(JobRunner runner, RunParameters parameters, WorkerOptions worker, CancellationToken cancellationToken)
    {
        for (var join = 1; ; join++)
        {
            try
            {
                return await runner.RunWorkerWithConsoleProgressAsync(parameters, worker, null, cancellationToken).ConfigureAwait(false);
            }
            catch (LeaseLostException e) when (join < MaxJoins)
            {
                Console.Error.WriteLine($"warning: {e.Message} Joining the run again ({join + 1} of {MaxJoins}).");
            }
        }
    }

    private static async Task<NightlyOutcome> ExecuteAsync(NightlyJobSettings settings, Func<JobRunner, RunParameters, Task<RunResult>> run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!settings.InputIsS3 && !Directory.Exists(settings.InputDirectory))
        {
            throw new DirectoryNotFoundException($"The input folder '{settings.InputDirectory}' does not exist; create it with the 'generate' command.");
        }

        if (!settings.WarehouseIsPostgres)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(settings.WarehousePath))!);
        }

        var timer = new PhaseTimer();
        using var s3 = settings.InputIsS3 ? S3Events.CreateClient() : null;
        await using var store = OpenStore(settings);
        var sink = CreateSink(settings);
        try
        {
            var job = Build(settings, store, sink, timer, s3);
            var result = await run(new JobRunner(job), Parameters(settings.Date)).ConfigureAwait(false);
            var (events, rows) = result.Succeeded ? await ReadWarehouseTotalsAsync(settings, cancellationToken).ConfigureAwait(false) : (0, 0);
            return new NightlyOutcome(result, events, rows, timer.Extract, timer.Partitions);
        }
        finally
        {
            if (sink is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Reads the sum of <c>event_count</c> and the row count of the settings' date from the warehouse, DuckDB or PostgreSQL.</summary>
    /// <param name="settings">The warehouse and the date.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The event total and the row count; zeros when the table does not exist.</returns>
    public static async Task<(long Events, long Rows)> ReadWarehouseTotalsAsync(NightlyJobSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!settings.WarehouseIsPostgres)
        {
            return ReadWarehouseTotals(settings.ConnectionString, settings.Date);
        }

        await using var connection = new NpgsqlConnection(NightlyJobSettings.PostgresConnectionString(settings.WarehousePath));
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            $"SELECT CASE WHEN to_regclass('{TableName}') IS NULL THEN NULL ELSE 1 END", connection);
        if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is DBNull or null)
        {
            return (0, 0);
        }

        await using var totals = new NpgsqlCommand($"SELECT coalesce(sum(event_count), 0)::bigint, count(*) FROM {TableName} WHERE event_date = @date", connection);
        totals.Parameters.AddWithValue("date", settings.Date);
        await using var reader = await totals.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>Reads the sum of <c>event_count</c> and the row count of a date from the warehouse.</summary>
    /// <param name="connectionString">The DuckDB connection string.</param>
    /// <param name="date">The business date.</param>
    /// <returns>The event total and the row count; zeros when the table does not exist.</returns>
    public static (long Events, long Rows) ReadWarehouseTotals(string connectionString, DateOnly date)
    {
        using var connection = new DuckDBConnection(connectionString);
        connection.Open();
        using var exists = connection.CreateCommand();
        exists.CommandText = $"SELECT count(*) FROM information_schema.tables WHERE table_name = '{TableName}'";
        if (Convert.ToInt64(exists.ExecuteScalar(), CultureInfo.InvariantCulture) == 0)
        {
            return (0, 0);
        }

        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT coalesce(sum(event_count), 0)::BIGINT, count(*) FROM {TableName} WHERE event_date = $date";
        command.Parameters.Add(new DuckDBParameter("date", date));
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }
}
