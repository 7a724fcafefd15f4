using System.Globalization;
using BatchKit.Shared;
using Microsoft.Data.Sqlite;

namespace BatchKit;

/// <summary>
/// Keeps the state of runs in a SQLite database file: the embedded default checkpoint store. Several worker processes on
/// one machine may share one file and one run; each write is checked against its lease (the run lease for run-wide
/// writes, the partition's lease for a partition's writes: owner and epoch) in the same transaction, so a process whose
/// lease was taken over cannot change anything.
/// </summary>
/// <remarks>
/// Instances are thread-safe: calls are serialized on one connection, and writes across processes are serialized by
/// SQLite (<c>BEGIN IMMEDIATE</c>, WAL journal, busy timeout); a partition claim is one such transaction. Processes on
/// different machines must not share a SQLite file over a network file system (its locks are not reliable there): use
/// a server database for that. The store creates and upgrades its schema when it opens
/// the file. Timestamps are stored as unix milliseconds, so they come back truncated to the millisecond, in UTC.
/// </remarks>
public sealed partial class SqliteCheckpointStore : ICheckpointStore
{
    private const string RunColumns =
        "run_key, job_name, parameters, status, started_at, ended_at, attempts, last_error, lease_owner, lease_epoch, lease_expires_at, cancel_requested_at, cancel_requested_by";

    private readonly SqliteConnection _connection;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);
    private readonly TimeProvider _timeProvider;
    private bool _disposed;

    /// <summary>Initializes a new instance of the <see cref="SqliteCheckpointStore"/> class.</summary>
    /// <param name="path">The database file; it and its directory are created when absent.</param>
    /// <param name="options">The options; the defaults when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock for leases and timestamps; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty, or an option is out of range (the busy timeout is below a millisecond); the message names the property, the expected range and the value found.</exception>
    /// <exception cref="BatchKitException">The file is not a BatchKit state store, or has a newer schema version than this code knows.</exception>
    public SqliteCheckpointStore(string path, SqliteCheckpointStoreOptions? options = null, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        options ??= new SqliteCheckpointStoreOptions();
        OptionsRule.ThrowIfFailed(new GeneratedSqliteCheckpointStoreOptionsValidator().Validate(null, options), $"the SQLite state store '{path}'", nameof(options));
        _timeProvider = timeProvider ?? TimeProvider.System;
        Path = System.IO.Path.GetFullPath(path);
        var directory = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var busySeconds = (int)Math.Ceiling(options.BusyTimeout.TotalSeconds);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = busySeconds,
        }.ToString());
        try
        {
            _connection.Open();
            Configure(options);
            SqliteSchema.Migrate(_connection, Path);
        }
        catch (SqliteException ex)
        {
            _connection.Dispose();
            throw new BatchKitException($"The state store file '{Path}' could not be opened as a BatchKit SQLite state store: {ex.Message}", ex);
        }
        catch
        {
            _connection.Dispose();
            throw;
        }
    }

    /// <summary>Gets the full path of the database file.</summary>
    public string Path { get; }

    /// <inheritdoc/>
    public ValueTask<(RunLease Lease, RunRecord Run)> AcquireRunAsync(RunKey runKey, string owner, TimeSpan leaseDuration, CancellationToken cancellationToken) =>
        AcquireAsync(runKey, owner, null, leaseDuration, cancellationToken);

    /// <inheritdoc/>
    public ValueTask<(RunLease Lease, RunRecord Run)> TakeOverRunAsync(RunKey runKey, string owner, string goneOwner, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(goneOwner);
        return AcquireAsync(runKey, owner, goneOwner, leaseDuration, cancellationToken);
    }

    private ValueTask<(RunLease Lease, RunRecord Run)> AcquireAsync(RunKey runKey, string owner, string? goneOwner, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runKey);
        ArgumentException.ThrowIfNullOrWhiteSpace(owner);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);
        return LockedAsync(() => InTransaction(transaction =>
        {
            var now = Now();
            var expires = StateStoreText.Truncate(now + leaseDuration);
            var before = ReadRun(runKey.Value, transaction);
            if (before is null)
            {
                var created = new RunRecord(runKey.Value, runKey.JobName, runKey.Parameters.ToString(), RunStatus.Running, now, null, 0, null, owner, 1, expires);
                Command($"INSERT INTO runs ({RunColumns}) VALUES ($k, $job, $params, $status, $now, NULL, 0, NULL, $owner, 1, $expires, NULL, NULL)", transaction)
                    .With("$k", created.RunKey).With("$job", created.JobName).With("$params", created.Parameters)
                    .With("$status", nameof(RunStatus.Running)).With("$now", Ms(now)).With("$owner", owner).With("$expires", Ms(expires))
                    .ExecuteNonQuery();
                return (new RunLease(runKey.Value, owner, 1), created);
            }

            var sameOwner = string.Equals(before.LeaseOwner, owner, StringComparison.Ordinal);
            if (!sameOwner && before.LeaseOwner is not null && before.LeaseExpiresAt > now && !string.Equals(before.LeaseOwner, goneOwner, StringComparison.Ordinal))
            {
                throw StateStoreText.Conflict(before, owner);
            }

            var epoch = sameOwner ? before.LeaseEpoch : before.LeaseEpoch + 1;
            Command("UPDATE runs SET lease_owner = $owner, lease_epoch = $epoch, lease_expires_at = $expires WHERE run_key = $k", transaction)
                .With("$owner", owner).With("$epoch", epoch).With("$expires", Ms(expires)).With("$k", runKey.Value)
                .ExecuteNonQuery();
            return (new RunLease(runKey.Value, owner, epoch), before);
        }), cancellationToken);
    }

    /// <inheritdoc/>
    /// <remarks>A lease that expired but was not taken over is still valid, and renewing it succeeds.</remarks>
    public ValueTask<bool> RenewLeaseAsync(RunLease lease, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);
        return LockedAsync(() => Command("UPDATE runs SET lease_expires_at = $expires WHERE run_key = $k AND lease_owner = $owner AND lease_epoch = $epoch", null)
            .With("$expires", Ms(StateStoreText.Truncate(Now() + leaseDuration))).With("$k", lease.RunKey).With("$owner", lease.Owner).With("$epoch", lease.Epoch)
            .ExecuteNonQuery() == 1, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask CountRunAttemptAsync(RunLease lease, CancellationToken cancellationToken) =>
        WriteAsync(lease, transaction => Command("UPDATE runs SET attempts = attempts + 1 WHERE run_key = $k", transaction)
            .With("$k", lease.RunKey)
            .ExecuteNonQuery(), cancellationToken);

    /// <inheritdoc/>
    public ValueTask SetRunStatusAsync(RunLease lease, RunStatus status, string? error, bool release, CancellationToken cancellationToken) =>
        WriteAsync(lease, transaction => Command(
                """
                UPDATE runs SET status = $status, last_error = $error, ended_at = $ended,
                    lease_owner = CASE WHEN $release THEN NULL ELSE lease_owner END,
                    lease_expires_at = CASE WHEN $release THEN NULL ELSE lease_expires_at END
                WHERE run_key = $k
                """, transaction)
            .With("$status", status.ToString()).With("$error", error).With("$ended", status == RunStatus.Running ? null : Ms(Now()))
            .With("$release", release).With("$k", lease.RunKey)
            .ExecuteNonQuery(), cancellationToken);

    /// <inheritdoc/>
    public ValueTask SetCancelRequestAsync(RunLease lease, string? requestedBy, CancellationToken cancellationToken) =>
        WriteAsync(lease, transaction => Command("UPDATE runs SET cancel_requested_at = $at, cancel_requested_by = $by WHERE run_key = $k", transaction)
            .With("$at", requestedBy is null ? null : Ms(Now())).With("$by", requestedBy).With("$k", lease.RunKey)
            .ExecuteNonQuery(), cancellationToken);

    /// <inheritdoc/>
    public ValueTask<RunRecord?> GetRunAsync(string runKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runKey);
        return LockedAsync(() => ReadRun(runKey, null), cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<RunRecord>> ListRunsAsync(string? jobName, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return LockedAsync<IReadOnlyList<RunRecord>>(() =>
        {
            using var reader = Command($"SELECT {RunColumns} FROM runs WHERE $job IS NULL OR job_name = $job ORDER BY started_at DESC, rowid DESC LIMIT $limit", null)
                .With("$job", jobName).With("$limit", limit).ExecuteReader();
            var runs = new List<RunRecord>();
            while (reader.Read())
            {
                runs.Add(ReadRun(reader));
            }

            return runs;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    /// <remarks>Also deletes the run's idempotency effects; the run row and its lease are kept.</remarks>
    public ValueTask ResetRunAsync(RunLease lease, CancellationToken cancellationToken) =>
        WriteAsync(lease, transaction =>
        {
            Command(
                    """
                    UPDATE runs SET partition_epoch_floor = max(partition_epoch_floor,
                        coalesce((SELECT max(lease_epoch) FROM partition_states WHERE run_key = $k), 0))
                    WHERE run_key = $k
                    """, transaction)
                .With("$k", lease.RunKey).ExecuteNonQuery();
            foreach (var statement in DeleteRunChildren)
            {
                Command(statement, transaction).With("$k", lease.RunKey).ExecuteNonQuery();
            }
        }, cancellationToken);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (var command in _commands.Values)
            {
                command.Dispose();
            }

            _commands.Clear();
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private static async ValueTask IgnoreResult<T>(ValueTask<T> task) => await task.ConfigureAwait(false);

    private static long Ms(DateTimeOffset value) => value.ToUnixTimeMilliseconds();

    private static RunRecord ReadRun(SqliteDataReader reader) => new(
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

    private void Configure(SqliteCheckpointStoreOptions options)
    {
        using var command = _connection.CreateCommand();
        var busyMs = (long)options.BusyTimeout.TotalMilliseconds;

        // PRAGMA takes no parameters; both values are numbers or fixed words.
        command.CommandText = "PRAGMA busy_timeout = " + busyMs.ToString(CultureInfo.InvariantCulture) + ";";
        command.ExecuteNonQuery();
        command.CommandText = "PRAGMA journal_mode = WAL;";
        command.ExecuteNonQuery();
        command.CommandText = options.SynchronousFull ? "PRAGMA synchronous = FULL;" : "PRAGMA synchronous = NORMAL;";
        command.ExecuteNonQuery();
    }

    private DateTimeOffset Now() => StateStoreText.Truncate(_timeProvider.GetUtcNow());

    private RunRecord? ReadRun(string runKey, SqliteTransaction? transaction)
    {
        using var reader = Command($"SELECT {RunColumns} FROM runs WHERE run_key = $k", transaction).With("$k", runKey).ExecuteReader();
        return reader.Read() ? ReadRun(reader) : null;
    }

    // Returns the cached, prepared command for a statement, with its parameters cleared. Callers hold the gate.
    private SqliteCommand Command(string sql, SqliteTransaction? transaction)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = _connection.CreateCommand();
            command.CommandText = sql;
            _commands.Add(sql, command);
        }

        command.Parameters.Clear();
        command.Transaction = transaction;
        return command;
    }

    private async ValueTask<T> LockedAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return work();
        }
        finally
        {
            _gate.Release();
        }
    }

    // Runs work in a write transaction taken up front (BEGIN IMMEDIATE), so a read inside it cannot be invalidated by
    // another connection before the write. The statements are cached like the others; commands run with no
    // SqliteTransaction object, which is why work receives null.
    private T InTransaction<T>(Func<SqliteTransaction?, T> work)
    {
        Command("BEGIN IMMEDIATE;", null).ExecuteNonQuery();
        try
        {
            var result = work(null);
            Command("COMMIT;", null).ExecuteNonQuery();
            return result;
        }
        catch
        {
            if (SQLitePCL.raw.sqlite3_get_autocommit(_connection.Handle) == 0)
            {
                Command("ROLLBACK;", null).ExecuteNonQuery();
            }

            throw;
        }
    }

    private ValueTask<T> FencedAsync<T>(RunLease lease, Func<SqliteTransaction?, T> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return LockedAsync(() => InTransaction(transaction =>
        {
            EnsureLease(lease, transaction);
            return work(transaction);
        }), cancellationToken);
    }

    private async ValueTask WriteAsync(RunLease lease, Action<SqliteTransaction?> work, CancellationToken cancellationToken) =>
        await FencedAsync(lease, transaction =>
        {
            work(transaction);
            return true;
        }, cancellationToken).ConfigureAwait(false);

    // Checks, inside the write transaction, that the lease still holds the run; returns the run's job name and parameters.
    private (string JobName, string Parameters) EnsureLease(RunLease lease, SqliteTransaction? transaction)
    {
        using var reader = Command("SELECT lease_owner, lease_epoch, job_name, parameters FROM runs WHERE run_key = $k", transaction)
            .With("$k", lease.RunKey).ExecuteReader();
        if (!reader.Read())
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
}
