using BatchKit.Postgres.Internal;
using Npgsql;

namespace BatchKit.Postgres;

/// <content>Partition leases: claims, renewals, fenced partition states and reopening.</content>
public sealed partial class PostgresCheckpointStore
{
    /// <inheritdoc/>
    /// <remarks>
    /// One short transaction: <c>SELECT … FOR UPDATE SKIP LOCKED</c> picks the first claimable partition row that no
    /// other transaction holds (a racing claim, or a write of the partition's holder), and the same statement leases it.
    /// No lock outlives the call.
    /// </remarks>
    public ValueTask<PartitionLease?> ClaimPartitionAsync(PartitionClaim claim, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claim);
        ArgumentException.ThrowIfNullOrWhiteSpace(claim.Owner, nameof(claim));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(claim.LeaseDuration, TimeSpan.Zero, nameof(claim));
        SawLease(claim.LeaseDuration);
        var gone = claim.GoneOwners.ToArray();
        return InTransactionAsync<PartitionLease?>(
            async connection =>
            {
                var now = Now();
                await using var command = Pg.Command(
                    connection,
                    $"""
                    WITH candidate AS (
                        SELECT s.partition_id, s.lease_epoch
                        FROM {_states} s
                        JOIN {_planPartitions} p ON p.run_key = s.run_key AND p.partition_id = s.partition_id
                        JOIN {_plans} plan ON plan.run_key = s.run_key
                        WHERE s.run_key = @k
                          AND NOT EXISTS (SELECT 1 FROM {_runs} r WHERE r.run_key = @k AND r.cancel_requested_at IS NOT NULL)
                          AND ((s.lease_owner IS NULL AND s.status = 'Pending')
                               OR (s.lease_owner IS NOT NULL AND (s.lease_expires_at <= @now OR s.lease_owner = ANY(@gone))))
                          AND (p.position < plan.barrier OR NOT EXISTS (
                               SELECT 1 FROM {_states} bs
                               JOIN {_planPartitions} bp ON bp.run_key = bs.run_key AND bp.partition_id = bs.partition_id
                               JOIN {_plans} bplan ON bplan.run_key = bs.run_key
                               WHERE bs.run_key = @k AND bp.position < bplan.barrier AND bs.status <> 'Completed'))
                        ORDER BY CASE WHEN @count > 0 AND p.position % greatest(@count, 1) = @index THEN 0 ELSE 1 END, p.position
                        LIMIT 1
                        FOR UPDATE OF s SKIP LOCKED)
                    UPDATE {_states} s
                    SET status = 'Running', updated_at = @now, lease_owner = @owner, lease_epoch = c.lease_epoch + 1, lease_expires_at = @expires
                    FROM candidate c
                    WHERE s.run_key = @k AND s.partition_id = c.partition_id
                    RETURNING s.partition_id, s.lease_epoch
                    """,
                    ("k", claim.RunKey),
                    ("now", now),
                    ("gone", gone),
                    ("count", claim.WorkerCount),
                    ("index", claim.WorkerIndex),
                    ("owner", claim.Owner),
                    ("expires", Pg.Utc(now + claim.LeaseDuration)));
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    return null;
                }

                return new PartitionLease(claim.RunKey, reader.GetString(0), claim.Owner, reader.GetInt64(1));
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    /// <remarks>A lease that expired but was not taken over is still valid, and renewing it succeeds.</remarks>
    public ValueTask<bool> RenewPartitionLeaseAsync(PartitionLease lease, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);
        SawLease(leaseDuration);
        return RunAsync(
            async connection => await ExecuteAsync(
                connection,
                $"UPDATE {_states} SET lease_expires_at = @expires WHERE run_key = @k AND partition_id = @id AND lease_owner = @owner AND lease_epoch = @epoch",
                cancellationToken,
                ("expires", Pg.Utc(Now() + leaseDuration)),
                ("k", lease.RunKey),
                ("id", lease.PartitionId),
                ("owner", lease.Owner),
                ("epoch", lease.Epoch)).ConfigureAwait(false) == 1,
            cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask SetPartitionStateAsync(PartitionLease lease, PartitionState state, bool release, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        StateStoreText.ValidatePartition(lease, state.PartitionId);
        return WriteAsync(
            lease,
            connection => ExecuteAsync(
                connection,
                $"""
                UPDATE {_states} SET status = @status, attempts = @attempts, last_error = @error, updated_at = @updated,
                    lease_owner = CASE WHEN @release THEN NULL ELSE lease_owner END,
                    lease_expires_at = CASE WHEN @release THEN NULL ELSE lease_expires_at END
                WHERE run_key = @k AND partition_id = @id
                """,
                cancellationToken,
                ("status", state.Status.ToString()),
                ("attempts", state.Attempts),
                ("error", state.LastError),
                ("updated", Pg.Utc(state.UpdatedAt)),
                ("release", release),
                ("k", lease.RunKey),
                ("id", lease.PartitionId)),
            cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask ReopenPartitionAsync(RunLease lease, string partitionId, bool clearCheckpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(partitionId);
        return Ignore(FencedAsync(
            lease,
            LeaseLock.Share,
            async (connection, run) =>
            {
                var updated = await ExecuteAsync(
                    connection,
                    $"""
                    UPDATE {_states} SET status = 'Pending', last_error = NULL, updated_at = @now, lease_owner = NULL, lease_expires_at = NULL
                    WHERE run_key = @k AND partition_id = @id
                    """,
                    cancellationToken,
                    ("now", Now()),
                    ("k", lease.RunKey),
                    ("id", partitionId)).ConfigureAwait(false);
                if (updated == 0)
                {
                    throw StateStoreText.UnknownPartition(run.JobName, run.Parameters, partitionId);
                }

                if (clearCheckpoint)
                {
                    await ExecuteAsync(connection, $"DELETE FROM {_checkpoints} WHERE run_key = @k AND partition_id = @id", cancellationToken, ("k", lease.RunKey), ("id", partitionId)).ConfigureAwait(false);
                }

                return true;
            },
            cancellationToken));
    }

    // Checks, inside the write transaction, that the partition lease is still the partition's current one, and locks the
    // partition row until the transaction ends (a claim skips it meanwhile; a reset of the run waits for it).
    private async Task<(string JobName, string Parameters)> EnsurePartitionLeaseAsync(NpgsqlConnection connection, PartitionLease lease, CancellationToken cancellationToken)
    {
        string? owner = null;
        long epoch = 0;
        var found = false;
        await using (var command = Pg.Command(
            connection,
            $"SELECT lease_owner, lease_epoch FROM {_states} WHERE run_key = @k AND partition_id = @id FOR UPDATE",
            ("k", lease.RunKey),
            ("id", lease.PartitionId)))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                found = true;
                owner = reader.GetStringOrNull(0);
                epoch = reader.GetInt64(1);
            }
        }

        string? jobName = null, parameters = null;
        await using (var command = Pg.Command(connection, $"SELECT job_name, parameters FROM {_runs} WHERE run_key = @k", ("k", lease.RunKey)))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                jobName = reader.GetString(0);
                parameters = reader.GetString(1);
            }
        }

        if (jobName is null || parameters is null)
        {
            throw StateStoreText.PartitionLeaseLost(lease, null, null, null, 0);
        }

        if (!found || !string.Equals(owner, lease.Owner, StringComparison.Ordinal) || epoch != lease.Epoch)
        {
            throw StateStoreText.PartitionLeaseLost(lease, jobName, parameters, owner, epoch);
        }

        return (jobName, parameters);
    }

    private ValueTask<T> FencedAsync<T>(PartitionLease lease, Func<NpgsqlConnection, (string JobName, string Parameters), Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return InTransactionAsync(
            async connection =>
            {
                var run = await EnsurePartitionLeaseAsync(connection, lease, cancellationToken).ConfigureAwait(false);
                return await work(connection, run).ConfigureAwait(false);
            },
            cancellationToken);
    }

    private async ValueTask WriteAsync(PartitionLease lease, Func<NpgsqlConnection, Task> work, CancellationToken cancellationToken) =>
        await FencedAsync(
            lease,
            async (connection, _) =>
            {
                await work(connection).ConfigureAwait(false);
                return true;
            },
            cancellationToken).ConfigureAwait(false);
}
