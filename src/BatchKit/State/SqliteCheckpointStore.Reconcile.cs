namespace BatchKit;

/// <content>Amending the frozen plan of a run whose input changed after it completed.</content>
public sealed partial class SqliteCheckpointStore
{
    /// <inheritdoc/>
    public ValueTask AmendPlanAsync(RunLease lease, PartitionPlan plan, IReadOnlyCollection<string> reopened, CancellationToken cancellationToken)
    {
        StateStoreText.ValidatePlan(plan);
        ArgumentNullException.ThrowIfNull(reopened);
        return WriteAsync(lease, transaction =>
        {
            var (jobName, parameters) = EnsureLease(lease, transaction);
            var frozen = new List<string>();
            using (var reader = Command("SELECT partition_id FROM plan_partitions WHERE run_key = $k ORDER BY position", transaction).With("$k", lease.RunKey).ExecuteReader())
            {
                while (reader.Read())
                {
                    frozen.Add(reader.GetString(0));
                }
            }

            if (frozen.Count == 0)
            {
                using var reader = Command("SELECT 1 FROM partition_plans WHERE run_key = $k", transaction).With("$k", lease.RunKey).ExecuteReader();
                if (!reader.Read())
                {
                    throw StateStoreText.NoPlanToAmend(jobName, parameters);
                }
            }

            StateStoreText.ValidateAmendment(frozen, plan, reopened, jobName, parameters);
            var now = Ms(Now());

            // Epochs never decrease: the floor new partitions start at covers every partition about to be removed.
            Command(
                    """
                    UPDATE runs SET partition_epoch_floor = max(partition_epoch_floor,
                        coalesce((SELECT max(lease_epoch) FROM partition_states WHERE run_key = $k), 0))
                    WHERE run_key = $k
                    """, transaction)
                .With("$k", lease.RunKey).ExecuteNonQuery();
            var kept = plan.Partitions.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
            foreach (var gone in frozen.Where(id => !kept.Contains(id)))
            {
                foreach (var table in (string[])["partition_states", "checkpoints", "error_records"])
                {
                    Command($"DELETE FROM {table} WHERE run_key = $k AND partition_id = $id", transaction).With("$k", lease.RunKey).With("$id", gone).ExecuteNonQuery();
                }
            }

            Command("UPDATE partition_plans SET fingerprint = $fingerprint, partition_count = $count, definition = $definition, barrier = $barrier WHERE run_key = $k", transaction)
                .With("$k", lease.RunKey).With("$fingerprint", plan.Fingerprint).With("$count", plan.Partitions.Count).With("$definition", plan.Definition).With("$barrier", plan.Barrier)
                .ExecuteNonQuery();
            Command("DELETE FROM plan_partitions WHERE run_key = $k", transaction).With("$k", lease.RunKey).ExecuteNonQuery();
            for (var position = 0; position < plan.Partitions.Count; position++)
            {
                var partition = plan.Partitions[position];
                Command("INSERT INTO plan_partitions (run_key, position, partition_index, partition_id, descriptor, input_identity) VALUES ($k, $position, $index, $id, $descriptor, $identity)", transaction)
                    .With("$k", lease.RunKey).With("$position", position).With("$index", partition.Index).With("$id", partition.Id).With("$descriptor", partition.Descriptor)
                    .With("$identity", partition.InputIdentity)
                    .ExecuteNonQuery();
                Command(
                        """
                        INSERT INTO partition_states (run_key, partition_id, status, attempts, last_error, updated_at, lease_owner, lease_epoch, lease_expires_at)
                        VALUES ($k, $id, 'Pending', 0, NULL, $now, NULL, (SELECT partition_epoch_floor FROM runs WHERE run_key = $k), NULL)
                        ON CONFLICT (run_key, partition_id) DO NOTHING
                        """, transaction)
                    .With("$k", lease.RunKey).With("$id", partition.Id).With("$now", now)
                    .ExecuteNonQuery();
            }

            foreach (var id in reopened)
            {
                Command(
                        """
                        UPDATE partition_states SET status = 'Pending', last_error = NULL, updated_at = $now, lease_owner = NULL, lease_expires_at = NULL
                        WHERE run_key = $k AND partition_id = $id
                        """, transaction)
                    .With("$now", now).With("$k", lease.RunKey).With("$id", id).ExecuteNonQuery();
                Command("DELETE FROM checkpoints WHERE run_key = $k AND partition_id = $id", transaction).With("$k", lease.RunKey).With("$id", id).ExecuteNonQuery();
                Command("DELETE FROM error_records WHERE run_key = $k AND partition_id = $id", transaction).With("$k", lease.RunKey).With("$id", id).ExecuteNonQuery();
            }

            Command("UPDATE runs SET status = 'Running', last_error = NULL, ended_at = NULL WHERE run_key = $k", transaction).With("$k", lease.RunKey).ExecuteNonQuery();
        }, cancellationToken);
    }
}
