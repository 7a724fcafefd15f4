using Microsoft.Data.Sqlite;

namespace BatchKit;

/// <content>Partition leases: claims, renewals, fenced partition states and reopening.</content>
public sealed partial class SqliteCheckpointStore
{
    /// <inheritdoc/>
    /// <remarks>One <c>BEGIN IMMEDIATE</c> transaction selects the first claimable partition and leases it.</remarks>
    public ValueTask<PartitionLease?> ClaimPartitionAsync(PartitionClaim claim, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claim);
        ArgumentException.ThrowIfNullOrWhiteSpace(claim.Owner, nameof(claim));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(claim.LeaseDuration, TimeSpan.Zero, nameof(claim));
        var gone = System.Text.Json.JsonSerializer.Serialize(claim.GoneOwners.ToArray(), StateJsonContext.Default.StringArray);
        return LockedAsync(() => InTransaction<PartitionLease?>(transaction =>
        {
            var now = Now();
            string id;
            long epoch;
            using (var reader = Command(
                    """
                    SELECT s.partition_id, s.lease_epoch
                    FROM partition_states s
                    JOIN plan_partitions p ON p.run_key = s.run_key AND p.partition_id = s.partition_id
                    JOIN partition_plans plan ON plan.run_key = s.run_key
                    WHERE s.run_key = $k
                      AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.run_key = $k AND r.cancel_requested_at IS NOT NULL)
                      AND ((s.lease_owner IS NULL AND s.status = 'Pending')
                           OR (s.lease_owner IS NOT NULL AND (s.lease_expires_at <= $now OR s.lease_owner IN (SELECT value FROM json_each($gone)))))
                      AND (p.position < plan.barrier OR NOT EXISTS (
                           SELECT 1 FROM partition_states bs
                           JOIN plan_partitions bp ON bp.run_key = bs.run_key AND bp.partition_id = bs.partition_id
                           JOIN partition_plans bplan ON bplan.run_key = bs.run_key
                           WHERE bs.run_key = $k AND bp.position < bplan.barrier AND bs.status <> 'Completed'))
                    ORDER BY CASE WHEN $count > 0 AND p.position % $count = $index THEN 0 ELSE 1 END, p.position
                    LIMIT 1
                    """, transaction)
                .With("$k", claim.RunKey).With("$now", Ms(now)).With("$gone", gone).With("$count", claim.WorkerCount).With("$index", claim.WorkerIndex)
                .ExecuteReader())
            {
                if (!reader.Read())
                {
                    return null;
                }

                id = reader.GetString(0);
                epoch = reader.GetInt64(1) + 1;
            }

            Command(
                    """
                    UPDATE partition_states SET status = 'Running', updated_at = $now, lease_owner = $owner, lease_epoch = $epoch, lease_expires_at = $expires
                    WHERE run_key = $k AND partition_id = $id
                    """, transaction)
                .With("$now", Ms(now)).With("$owner", claim.Owner).With("$epoch", epoch).With("$expires", Ms(StateStoreText.Truncate(now + claim.LeaseDuration)))
                .With("$k", claim.RunKey).With("$id", id)
                .ExecuteNonQuery();
            return new PartitionLease(claim.RunKey, id, claim.Owner, epoch);
        }), cancellationToken);
    }

    /// <inheritdoc/>
    /// <remarks>A lease that expired but was not taken over is still valid, and renewing it succeeds.</remarks>
    public ValueTask<bool> RenewPartitionLeaseAsync(PartitionLease lease, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);
        return LockedAsync(() => Command("UPDATE partition_states SET lease_expires_at = $expires WHERE run_key = $k AND partition_id = $id AND lease_owner = $owner AND lease_epoch = $epoch", null)
            .With("$expires", Ms(StateStoreText.Truncate(Now() + leaseDuration))).With("$k", lease.RunKey).With("$id", lease.PartitionId)
            .With("$owner", lease.Owner).With("$epoch", lease.Epoch)
            .ExecuteNonQuery() == 1, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask SetPartitionStateAsync(PartitionLease lease, PartitionState state, bool release, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        StateStoreText.ValidatePartition(lease, state.PartitionId);
        return WriteAsync(lease, transaction => Command(
                """
                UPDATE partition_states SET status = $status, attempts = $attempts, last_error = $error, updated_at = $updated,
                    lease_owner = CASE WHEN $release THEN NULL ELSE lease_owner END,
                    lease_expires_at = CASE WHEN $release THEN NULL ELSE lease_expires_at END
                WHERE run_key = $k AND partition_id = $id
                """, transaction)
            .With("$status", state.Status.ToString()).With("$attempts", state.Attempts).With("$error", state.LastError).With("$updated", Ms(state.UpdatedAt))
            .With("$release", release).With("$k", lease.RunKey).With("$id", lease.PartitionId)
            .ExecuteNonQuery(), cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask ReopenPartitionAsync(RunLease lease, string partitionId, bool clearCheckpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(partitionId);
        return WriteAsync(lease, transaction =>
        {
            var updated = Command(
                    """
                    UPDATE partition_states SET status = 'Pending', last_error = NULL, updated_at = $now, lease_owner = NULL, lease_expires_at = NULL
                    WHERE run_key = $k AND partition_id = $id
                    """, transaction)
                .With("$now", Ms(Now())).With("$k", lease.RunKey).With("$id", partitionId)
                .ExecuteNonQuery();
            if (updated == 0)
            {
                var (jobName, parameters) = EnsureLease(lease, transaction);
                throw StateStoreText.UnknownPartition(jobName, parameters, partitionId);
            }

            if (clearCheckpoint)
            {
                Command("DELETE FROM checkpoints WHERE run_key = $k AND partition_id = $id", transaction).With("$k", lease.RunKey).With("$id", partitionId).ExecuteNonQuery();
            }
        }, cancellationToken);
    }

    private ValueTask<T> FencedAsync<T>(PartitionLease lease, Func<SqliteTransaction?, T> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return LockedAsync(() => InTransaction(transaction =>
        {
            EnsureLease(lease, transaction);
            return work(transaction);
        }), cancellationToken);
    }

    private async ValueTask WriteAsync(PartitionLease lease, Action<SqliteTransaction?> work, CancellationToken cancellationToken) =>
        await FencedAsync(lease, transaction =>
        {
            work(transaction);
            return true;
        }, cancellationToken).ConfigureAwait(false);

    // Checks, inside the write transaction, that the partition lease is still the partition's current one.
    private void EnsureLease(PartitionLease lease, SqliteTransaction? transaction)
    {
        using var reader = Command(
                """
                SELECT s.lease_owner, s.lease_epoch, r.job_name, r.parameters
                FROM runs r LEFT JOIN partition_states s ON s.run_key = r.run_key AND s.partition_id = $id
                WHERE r.run_key = $k
                """, transaction)
            .With("$k", lease.RunKey).With("$id", lease.PartitionId).ExecuteReader();
        if (!reader.Read())
        {
            throw StateStoreText.PartitionLeaseLost(lease, null, null, null, 0);
        }

        var owner = reader.GetStringOrNull(0);
        var epoch = reader.IsDBNull(1) ? 0 : reader.GetInt64(1);
        if (!string.Equals(owner, lease.Owner, StringComparison.Ordinal) || epoch != lease.Epoch)
        {
            throw StateStoreText.PartitionLeaseLost(lease, reader.GetString(2), reader.GetString(3), owner, epoch);
        }
    }
}
