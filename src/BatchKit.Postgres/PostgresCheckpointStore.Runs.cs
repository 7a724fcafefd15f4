using BatchKit.Postgres.Internal;
using Npgsql;

namespace BatchKit.Postgres;

/// <content>Runs: acquiring, taking over and renewing the run lease, the run's status and cancel request, reading and listing runs.</content>
public sealed partial class PostgresCheckpointStore
{
    /// <inheritdoc/>
    public ValueTask<(RunLease Lease, RunRecord Run)> AcquireRunAsync(RunKey runKey, string owner, TimeSpan leaseDuration, CancellationToken cancellationToken) =>
        AcquireAsync(runKey, owner, null, leaseDuration, cancellationToken);

    /// <inheritdoc/>
    public ValueTask<(RunLease Lease, RunRecord Run)> TakeOverRunAsync(RunKey runKey, string owner, string goneOwner, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(goneOwner);
        return AcquireAsync(runKey, owner, goneOwner, leaseDuration, cancellationToken);
    }

    /// <inheritdoc/>
    /// <remarks>A lease that expired but was not taken over is still valid, and renewing it succeeds.</remarks>
    public ValueTask<bool> RenewLeaseAsync(RunLease lease, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);
        SawLease(leaseDuration);
        return RunAsync(async connection => await ExecuteAsync(
            connection,
            $"UPDATE {_runs} SET lease_expires_at = @expires WHERE run_key = @k AND lease_owner = @owner AND lease_epoch = @epoch",
            cancellationToken,
            ("expires", Now() + leaseDuration),
            ("k", lease.RunKey),
            ("owner", lease.Owner),
            ("epoch", lease.Epoch)).ConfigureAwait(false) == 1, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask CountRunAttemptAsync(RunLease lease, CancellationToken cancellationToken) =>
        WriteAsync(lease, LeaseLock.Update, async connection => await ExecuteAsync(
            connection,
            $"UPDATE {_runs} SET attempts = attempts + 1 WHERE run_key = @k",
            cancellationToken,
            ("k", lease.RunKey)).ConfigureAwait(false), cancellationToken);

    /// <inheritdoc/>
    public ValueTask SetCancelRequestAsync(RunLease lease, string? requestedBy, CancellationToken cancellationToken) =>
        WriteAsync(lease, LeaseLock.Update, async connection => await ExecuteAsync(
            connection,
            $"UPDATE {_runs} SET cancel_requested_at = @at, cancel_requested_by = @by WHERE run_key = @k",
            cancellationToken,
            ("at", requestedBy is null ? null : Now()),
            ("by", requestedBy),
            ("k", lease.RunKey)).ConfigureAwait(false), cancellationToken);

    /// <inheritdoc/>
    public ValueTask SetRunStatusAsync(RunLease lease, RunStatus status, string? error, bool release, CancellationToken cancellationToken) =>
        WriteAsync(lease, LeaseLock.Update, async connection => await ExecuteAsync(
            connection,
            $"""
            UPDATE {_runs} SET status = @status, last_error = @error, ended_at = @ended,
                lease_owner = CASE WHEN @release THEN NULL ELSE lease_owner END,
                lease_expires_at = CASE WHEN @release THEN NULL ELSE lease_expires_at END
            WHERE run_key = @k
            """,
            cancellationToken,
            ("status", status.ToString()),
            ("error", error),
            ("ended", status == RunStatus.Running ? null : Now()),
            ("release", release),
            ("k", lease.RunKey)).ConfigureAwait(false), cancellationToken);

    /// <inheritdoc/>
    public ValueTask<RunRecord?> GetRunAsync(string runKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runKey);
        return RunAsync(connection => ReadRunAsync(connection, runKey, forUpdate: false, cancellationToken), cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<RunRecord>> ListRunsAsync(string? jobName, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return RunAsync<IReadOnlyList<RunRecord>>(
            async connection =>
            {
                await using var command = Pg.Command(
                    connection,
                    $"SELECT {RunColumns} FROM {_runs} WHERE @job::text IS NULL OR job_name = @job::text ORDER BY started_at DESC, seq DESC LIMIT @limit",
                    ("job", jobName),
                    ("limit", limit));
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                var runs = new List<RunRecord>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    runs.Add(ReadRun(reader));
                }

                return runs;
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    /// <remarks>Also deletes the run's idempotency effects; the run row and its lease are kept.</remarks>
    public ValueTask ResetRunAsync(RunLease lease, CancellationToken cancellationToken) =>
        WriteAsync(
            lease,
            LeaseLock.Update,
            async connection =>
            {
                // Partition epochs only grow, across resets too: the next plan's partitions start above every epoch seen.
                await ExecuteAsync(
                    connection,
                    $"""
                    UPDATE {_runs} SET partition_epoch_floor = greatest(partition_epoch_floor,
                        coalesce((SELECT max(lease_epoch) FROM {_states} WHERE run_key = @k), 0))
                    WHERE run_key = @k
                    """,
                    cancellationToken,
                    ("k", lease.RunKey)).ConfigureAwait(false);
                await DeleteRunChildrenAsync(connection, lease.RunKey, cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);

    private ValueTask<(RunLease Lease, RunRecord Run)> AcquireAsync(RunKey runKey, string owner, string? goneOwner, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runKey);
        ArgumentException.ThrowIfNullOrWhiteSpace(owner);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);
        SawLease(leaseDuration);
        return InTransactionAsync(
            async connection =>
            {
                var now = Now();
                var expires = Pg.Utc(now + leaseDuration);
                var created = new RunRecord(runKey.Value, runKey.JobName, runKey.Parameters.ToString(), RunStatus.Running, now, null, 0, null, owner, 1, expires);
                if (await InsertRunAsync(connection, created, cancellationToken).ConfigureAwait(false))
                {
                    return (new RunLease(runKey.Value, owner, 1), created);
                }

                var before = await ReadRunAsync(connection, runKey.Value, forUpdate: true, cancellationToken).ConfigureAwait(false)
                    ?? throw new BatchKitException($"The run '{runKey.Value}' of job '{runKey.JobName}' was deleted while its lease was being taken; try again.") { JobName = runKey.JobName, IsTransient = true };
                var sameOwner = string.Equals(before.LeaseOwner, owner, StringComparison.Ordinal);
                if (!sameOwner && before.LeaseOwner is not null && before.LeaseExpiresAt > now && !string.Equals(before.LeaseOwner, goneOwner, StringComparison.Ordinal))
                {
                    throw StateStoreText.Conflict(before, owner);
                }

                var epoch = sameOwner ? before.LeaseEpoch : before.LeaseEpoch + 1;
                await ExecuteAsync(
                    connection,
                    $"UPDATE {_runs} SET lease_owner = @owner, lease_epoch = @epoch, lease_expires_at = @expires WHERE run_key = @k",
                    cancellationToken,
                    ("owner", owner),
                    ("epoch", epoch),
                    ("expires", expires),
                    ("k", runKey.Value)).ConfigureAwait(false);
                return (new RunLease(runKey.Value, owner, epoch), before);
            },
            cancellationToken);
    }

    // Inserts a new run; false when the run exists (the unique RunKey decides between processes that start it at once).
    private async Task<bool> InsertRunAsync(NpgsqlConnection connection, RunRecord run, CancellationToken cancellationToken) =>
        await ExecuteAsync(
            connection,
            $"""
            INSERT INTO {_runs} ({RunColumns}) VALUES (@k, @job, @params, @status, @now, NULL, 0, NULL, @owner, 1, @expires, NULL, NULL)
            ON CONFLICT (run_key) DO NOTHING
            """,
            cancellationToken,
            ("k", run.RunKey),
            ("job", run.JobName),
            ("params", run.Parameters),
            ("status", run.Status.ToString()),
            ("now", run.StartedAt),
            ("owner", run.LeaseOwner),
            ("expires", run.LeaseExpiresAt)).ConfigureAwait(false) == 1;

    private async Task<RunRecord?> ReadRunAsync(NpgsqlConnection connection, string runKey, bool forUpdate, CancellationToken cancellationToken)
    {
        await using var command = Pg.Command(connection, $"SELECT {RunColumns} FROM {_runs} WHERE run_key = @k{(forUpdate ? " FOR UPDATE" : string.Empty)}", ("k", runKey));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadRun(reader) : null;
    }
}
