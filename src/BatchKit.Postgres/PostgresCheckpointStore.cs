using System.Diagnostics;
using BatchKit.Postgres.Internal;
using BatchKit.Shared;
using Npgsql;

namespace BatchKit.Postgres;

/// <summary>
/// Keeps the state of runs in PostgreSQL, so processes on many machines can share one run. Each write that belongs to
/// a run checks the run's lease (owner and epoch) in the same transaction, with the run row locked until the write
/// commits: a process whose lease was taken over cannot change anything, however its writes interleave with the takeover.
/// </summary>
/// <remarks>
/// <para>
/// Instances are thread-safe: each call takes a pooled connection from the data source. The store creates its schema
/// and tables, and upgrades them, on first use (or when <see cref="MigrateAsync"/> is called). Statements are
/// parameterized. Lease expiry is computed from the store's <see cref="TimeProvider"/>, so the clocks of the processes
/// that share a run must agree to well within the lease duration. Timestamps are kept to the millisecond, in UTC.
/// </para>
/// <para>
/// Connection strings and passwords never appear in messages: failures name the server as host, port and database.
/// </para>
/// </remarks>
public sealed partial class PostgresCheckpointStore : ICheckpointStore
{
    // How long a call is repeated after transient failures (a server restart takes a few seconds) before it fails.
    private static readonly TimeSpan TransientRetryWindow = TimeSpan.FromSeconds(30);

    private const string RunColumns =
        "run_key, job_name, parameters, status, started_at, ended_at, attempts, last_error, lease_owner, lease_epoch, lease_expires_at, cancel_requested_at, cancel_requested_by";

    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _ownsDataSource;
    private readonly TimeProvider _timeProvider;
    private readonly string _server;
    private readonly SemaphoreSlim _migrateGate = new(1, 1);
    private readonly SemaphoreSlim _budget;
    private readonly string _runs;
    private readonly string _plans;
    private readonly string _planPartitions;
    private readonly string _states;
    private readonly string _checkpoints;
    private readonly string _stages;
    private readonly string _errors;
    private readonly string _effects;
    private readonly TimeSpan? _idleTimeout;
    private long _longestLeaseTicks;
    private volatile bool _migrated;
    private bool _disposed;

    /// <summary>Initializes a new instance of the <see cref="PostgresCheckpointStore"/> class over a data source, with its tables in schema <c>batchkit</c>.</summary>
    /// <param name="dataSource">The data source; it stays owned by the caller.</param>
    /// <param name="timeProvider">The clock for leases and timestamps; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="dataSource"/> is <see langword="null"/>.</exception>
    public PostgresCheckpointStore(NpgsqlDataSource dataSource, TimeProvider? timeProvider = null)
        : this(new PostgresCheckpointStoreOptions { DataSource = dataSource ?? throw new ArgumentNullException(nameof(dataSource)) }, timeProvider)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PostgresCheckpointStore"/> class.</summary>
    /// <param name="options">The data source or connection string, and the schema.</param>
    /// <param name="timeProvider">The clock for leases and timestamps; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">An option breaks a rule (neither a data source nor a connection string is set, the schema name is empty, a value is out of range; the message lists every failure with the property, the expected range and the value found), or the connection string is malformed.</exception>
    public PostgresCheckpointStore(PostgresCheckpointStoreOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        OptionsRule.ThrowIfFailed(PostgresOptionsValidators.Validate(options), "the PostgreSQL state store", nameof(options));
        if (options.DataSource is { } dataSource)
        {
            _dataSource = dataSource;
        }
        else
        {
            try
            {
                _dataSource = NpgsqlDataSource.Create(options.ConnectionString!);
            }
            catch (ArgumentException e)
            {
                // The message of a malformed connection string may quote it: do not pass it on.
                throw new ArgumentException("The connection string of the PostgreSQL state store is malformed (it is not repeated here, as it may hold a password).", nameof(options), e.InnerException);
            }

            _ownsDataSource = true;
        }

        _timeProvider = timeProvider ?? TimeProvider.System;
        _idleTimeout = options.IdleInTransactionTimeout;
        _budget = new SemaphoreSlim(options.MaxConnections, options.MaxConnections);
        Schema = options.Schema;
        _server = Pg.Describe(_dataSource);
        var s = Pg.Quote(Schema) + ".";
        _runs = s + "runs";
        _plans = s + "partition_plans";
        _planPartitions = s + "plan_partitions";
        _states = s + "partition_states";
        _checkpoints = s + "checkpoints";
        _stages = s + "stages";
        _errors = s + "error_records";
        _effects = s + "effects";
    }

    /// <summary>Gets the schema that holds the store's tables.</summary>
    public string Schema { get; }

    /// <summary>Creates the schema and tables, or upgrades them, unless this instance did so already. Other calls do it on first use.</summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the tables are current.</returns>
    /// <exception cref="BatchKitException">The server cannot be reached, the schema belongs to another application, or it has a newer version than this code knows.</exception>
    public async ValueTask MigrateAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_migrated)
        {
            return;
        }

        await _migrateGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_migrated)
            {
                return;
            }

            await _budget.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                await StateSchema.MigrateAsync(connection, Schema, _server, cancellationToken).ConfigureAwait(false);
            }
            catch (NpgsqlException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw Failure("create or upgrade its tables", e);
            }
            finally
            {
                _budget.Release();
            }

            _migrated = true;
        }
        finally
        {
            _migrateGate.Release();
        }
    }

    /// <inheritdoc/>
    /// <remarks>Disposes the data source only when the store created it from a connection string.</remarks>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_ownsDataSource)
        {
            await _dataSource.DisposeAsync().ConfigureAwait(false);
        }
    }

    // The lease check of the current contract: the run row, locked FOR SHARE (writes of many partitions proceed in parallel,
    // and a takeover, which updates the row, waits for them to commit) or FOR UPDATE (writes that change the run row
    // itself, or must not run twice at once).
    private enum LeaseLock
    {
        Share,
        Update,
    }

    private static RunRecord ReadRun(NpgsqlDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.GetString(2),
        Enum.Parse<RunStatus>(reader.GetString(3)),
        reader.GetInstant(4),
        reader.GetInstantOrNull(5),
        reader.GetInt32(6),
        reader.GetStringOrNull(7),
        reader.GetStringOrNull(8),
        reader.GetInt64(9),
        reader.GetInstantOrNull(10))
    {
        CancelRequestedAt = reader.GetInstantOrNull(11),
        CancelRequestedBy = reader.GetStringOrNull(12),
    };

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Pg.Command(connection, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private DateTimeOffset Now() => Pg.Utc(_timeProvider.GetUtcNow());

    // Checks, inside the write transaction, that the lease still holds the run, and locks the run row until the
    // transaction ends; returns the run's job name and parameters.
    private async Task<(string JobName, string Parameters)> EnsureLeaseAsync(NpgsqlConnection connection, RunLease lease, LeaseLock lockMode, CancellationToken cancellationToken)
    {
        await using var command = Pg.Command(
            connection,
            $"SELECT lease_owner, lease_epoch, job_name, parameters FROM {_runs} WHERE run_key = @k {(lockMode == LeaseLock.Update ? "FOR UPDATE" : "FOR SHARE")}",
            ("k", lease.RunKey));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            throw StateStoreText.LeaseLost(lease, null, null, null, 0);
        }

        var owner = reader.GetStringOrNull(0);
        var epoch = reader.GetInt64(1);
        if (!string.Equals(owner, lease.Owner, StringComparison.Ordinal) || epoch != lease.Epoch)
        {
            throw StateStoreText.LeaseLost(lease, reader.GetString(2), reader.GetString(3), owner, epoch);
        }

        return (reader.GetString(2), reader.GetString(3));
    }

    // Every call runs here, on a connection of its own (and, for writes, in a transaction of its own). A transient
    // failure (a broken connection, the server restarting or refusing connections, 57P01-57P03, a deadlock) rolled
    // the call's transaction back, so the call is made again on a new connection, with backoff, for up to
    // TransientRetryWindow. Repeating is safe even when a COMMIT's outcome was unknown: fenced writes check the lease
    // again in the new transaction, and the writes themselves are idempotent (a chunk's checkpoint and error records
    // are keyed by offset, states are set, not added); a repeated claim at worst leaves one lease to expire.
    private async ValueTask<T> RunAsync<T>(Func<NpgsqlConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await MigrateAsync(cancellationToken).ConfigureAwait(false);
        var started = Stopwatch.GetTimestamp();
        for (var attempt = 0; ; attempt++)
        {
            // The connection budget is held for one try, not across the backoff.
            TimeSpan delay;
            await _budget.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                return await work(connection).ConfigureAwait(false);
            }
            catch (NpgsqlException e) when (!cancellationToken.IsCancellationRequested && Transient.Is(e) && Stopwatch.GetElapsedTime(started) < TransientRetryWindow)
            {
                delay = TimeSpan.FromMilliseconds(Math.Min(2000, 50 << Math.Min(attempt, 6)));
            }
            catch (NpgsqlException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw Failure("complete a call", e);
            }
            finally
            {
                _budget.Release();
            }

            // Waiting on the server, not on the store's clock (which tests may freeze): real time.
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Tells whether a connection of <paramref name="dataSource"/> reaches this store's database as the store's user (the same data source, or the same host, port, database and user).</summary>
    internal bool SharesDatabaseWith(NpgsqlDataSource dataSource) => Pg.SameDatabase(dataSource, _dataSource);

    /// <summary>Gets how long a transaction of the store may sit idle before the server ends its session: the option, or the longest lease the store was asked to grant.</summary>
    internal TimeSpan IdleInTransactionTimeout => _idleTimeout ?? TimeSpan.FromTicks(Interlocked.Read(ref _longestLeaseTicks));

    // Remembers the longest lease granted, from which the idle-in-transaction timeout is derived.
    private void SawLease(TimeSpan duration)
    {
        var ticks = duration.Ticks;
        var seen = Interlocked.Read(ref _longestLeaseTicks);
        while (ticks > seen)
        {
            var previous = Interlocked.CompareExchange(ref _longestLeaseTicks, ticks, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }

    private ValueTask<T> InTransactionAsync<T>(Func<NpgsqlConnection, Task<T>> work, CancellationToken cancellationToken) =>
        RunAsync(
            async connection =>
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await Pg.LimitIdleInTransactionAsync(connection, IdleInTransactionTimeout, cancellationToken).ConfigureAwait(false);
                var result = await work(connection).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return result;
            },
            cancellationToken);

    private ValueTask<T> FencedAsync<T>(RunLease lease, LeaseLock lockMode, Func<NpgsqlConnection, (string JobName, string Parameters), Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return InTransactionAsync(
            async connection =>
            {
                var run = await EnsureLeaseAsync(connection, lease, lockMode, cancellationToken).ConfigureAwait(false);
                return await work(connection, run).ConfigureAwait(false);
            },
            cancellationToken);
    }

    private async ValueTask WriteAsync(RunLease lease, LeaseLock lockMode, Func<NpgsqlConnection, Task> work, CancellationToken cancellationToken) =>
        await FencedAsync(
            lease,
            lockMode,
            async (connection, _) =>
            {
                await work(connection).ConfigureAwait(false);
                return true;
            },
            cancellationToken).ConfigureAwait(false);

    private BatchKitException Failure(string action, NpgsqlException e) =>
        new($"The PostgreSQL state store (schema '{Schema}' on {_server}) could not {action}: {e.Message}", e) { IsTransient = Transient.Is(e) };
}
