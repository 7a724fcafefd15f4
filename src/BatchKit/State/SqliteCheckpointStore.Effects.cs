using Microsoft.Data.Sqlite;

namespace BatchKit;

/// <content>Idempotency effects and the deletion of old runs.</content>
public sealed partial class SqliteCheckpointStore
{
    private const string Claimed = "claimed";
    private const string Confirmed = "confirmed";

    // Deletes everything that belongs to one run ($k), except the run row.
    private static readonly string[] DeleteRunChildren =
    [
        "DELETE FROM plan_partitions WHERE run_key = $k",
        "DELETE FROM partition_plans WHERE run_key = $k",
        "DELETE FROM partition_states WHERE run_key = $k",
        "DELETE FROM checkpoints WHERE run_key = $k",
        "DELETE FROM stages WHERE run_key = $k",
        "DELETE FROM error_records WHERE run_key = $k",
        "DELETE FROM effects WHERE run_key = $k",
    ];

    /// <inheritdoc/>
    public ValueTask<ClaimOutcome> ClaimEffectAsync(PartitionLease lease, string key, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        return FencedAsync(lease, transaction =>
        {
            using (var reader = Command("SELECT status FROM effects WHERE run_key = $k AND effect_key = $key", transaction)
                .With("$k", lease.RunKey).With("$key", key).ExecuteReader())
            {
                if (reader.Read())
                {
                    return reader.GetString(0) == Confirmed ? ClaimOutcome.AlreadyConfirmed : ClaimOutcome.InDoubt;
                }
            }

            Command("INSERT INTO effects (run_key, effect_key, partition_id, status, claimed_at, confirmed_at) VALUES ($k, $key, $id, $status, $now, NULL)", transaction)
                .With("$k", lease.RunKey).With("$key", key).With("$id", lease.PartitionId).With("$status", Claimed).With("$now", Ms(Now()))
                .ExecuteNonQuery();
            return ClaimOutcome.Claimed;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The key was never claimed.</exception>
    public ValueTask ConfirmEffectAsync(PartitionLease lease, string key, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        return WriteAsync(lease, transaction =>
        {
            if (Confirm(lease.RunKey, key, transaction) == 0)
            {
                throw StateStoreText.EffectNotClaimed(lease.RunKey, key);
            }
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<InDoubtEffect>> ListInDoubtEffectsAsync(string runKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runKey);
        return LockedAsync<IReadOnlyList<InDoubtEffect>>(() =>
        {
            using var reader = Command("SELECT effect_key, partition_id, claimed_at FROM effects WHERE run_key = $k AND status = $status ORDER BY claimed_at, effect_key", null)
                .With("$k", runKey).With("$status", Claimed).ExecuteReader();
            var effects = new List<InDoubtEffect>();
            while (reader.Read())
            {
                effects.Add(new InDoubtEffect(runKey, reader.GetString(0), reader.GetString(1), reader.GetInstant(2)));
            }

            return effects;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The key was never claimed, or is confirmed and <paramref name="happened"/> is <see langword="false"/>.</exception>
    public ValueTask ResolveInDoubtEffectAsync(string runKey, string key, bool happened, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runKey);
        ArgumentException.ThrowIfNullOrEmpty(key);
        return IgnoreResult(LockedAsync(() => InTransaction(transaction =>
        {
            if (happened)
            {
                return Confirm(runKey, key, transaction) == 0 ? throw StateStoreText.EffectNotClaimed(runKey, key) : true;
            }

            if (Command("DELETE FROM effects WHERE run_key = $k AND effect_key = $key AND status = $status", transaction)
                .With("$k", runKey).With("$key", key).With("$status", Claimed).ExecuteNonQuery() == 1)
            {
                return true;
            }

            using var reader = Command("SELECT 1 FROM effects WHERE run_key = $k AND effect_key = $key", transaction).With("$k", runKey).With("$key", key).ExecuteReader();
            throw reader.Read() ? StateStoreText.EffectConfirmed(runKey, key) : StateStoreText.EffectNotClaimed(runKey, key);
        }), cancellationToken));
    }

    /// <inheritdoc/>
    /// <remarks>Runs whose lease is still live are kept, whatever their status.</remarks>
    public ValueTask<IReadOnlyList<string>> DeleteRunsEndedBeforeAsync(DateTimeOffset endedBefore, CancellationToken cancellationToken) =>
        LockedAsync<IReadOnlyList<string>>(() => InTransaction(transaction =>
        {
            var keys = new List<string>();
            using (var reader = Command(
                    """
                    SELECT run_key FROM runs
                    WHERE ended_at < $cutoff AND status <> $running AND (lease_owner IS NULL OR lease_expires_at <= $now)
                      AND NOT EXISTS (SELECT 1 FROM partition_states s WHERE s.run_key = runs.run_key AND s.lease_owner IS NOT NULL AND s.lease_expires_at > $now)
                    ORDER BY run_key
                    """, transaction)
                .With("$cutoff", Ms(endedBefore)).With("$running", nameof(RunStatus.Running)).With("$now", Ms(Now()))
                .ExecuteReader())
            {
                while (reader.Read())
                {
                    keys.Add(reader.GetString(0));
                }
            }

            foreach (var key in keys)
            {
                foreach (var statement in DeleteRunChildren.Concat(DeleteRunHistory))
                {
                    Command(statement, transaction).With("$k", key).ExecuteNonQuery();
                }

                Command("DELETE FROM runs WHERE run_key = $k", transaction).With("$k", key).ExecuteNonQuery();
            }

            return keys;
        }), cancellationToken);

    private int Confirm(string runKey, string key, SqliteTransaction? transaction) =>
        Command("UPDATE effects SET status = $status, confirmed_at = coalesce(confirmed_at, $now) WHERE run_key = $k AND effect_key = $key", transaction)
            .With("$status", Confirmed).With("$now", Ms(Now())).With("$k", runKey).With("$key", key)
            .ExecuteNonQuery();
}
