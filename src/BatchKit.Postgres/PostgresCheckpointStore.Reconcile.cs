using BatchKit.Postgres.Internal;
using Npgsql;

namespace BatchKit.Postgres;

/// <content>Amending the frozen plan of a run whose input changed after it completed.</content>
public sealed partial class PostgresCheckpointStore
{
    /// <inheritdoc/>
    public ValueTask AmendPlanAsync(RunLease lease, PartitionPlan plan, IReadOnlyCollection<string> reopened, CancellationToken cancellationToken)
    {
        StateStoreText.ValidatePlan(plan);
        ArgumentNullException.ThrowIfNull(reopened);
        return Ignore(FencedAsync(
            lease,
            LeaseLock.Update,
            async (connection, run) =>
            {
                await AmendAsync(connection, lease.RunKey, plan, reopened.ToArray(), run, cancellationToken).ConfigureAwait(false);
                return true;
            },
            cancellationToken));
    }

    private async Task AmendAsync(NpgsqlConnection connection, string runKey, PartitionPlan plan, string[] reopened, (string JobName, string Parameters) run, CancellationToken cancellationToken)
    {
        await using (var exists = Pg.Command(connection, $"SELECT 1 FROM {_plans} WHERE run_key = @k", ("k", runKey)))
        {
            if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
            {
                throw StateStoreText.NoPlanToAmend(run.JobName, run.Parameters);
            }
        }

        var frozen = new List<string>();
        await using (var command = Pg.Command(connection, $"SELECT partition_id FROM {_planPartitions} WHERE run_key = @k ORDER BY position", ("k", runKey)))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                frozen.Add(reader.GetString(0));
            }
        }

        StateStoreText.ValidateAmendment(frozen, plan, reopened, run.JobName, run.Parameters);
        var kept = plan.Partitions.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        var gone = frozen.Where(id => !kept.Contains(id)).ToArray();
        var count = plan.Partitions.Count;
        var positions = new int[count];
        var indexes = new int[count];
        var ids = new string[count];
        var descriptors = new string[count];
        var identities = new string?[count];
        for (var i = 0; i < count; i++)
        {
            var partition = plan.Partitions[i];
            positions[i] = i;
            indexes[i] = partition.Index;
            ids[i] = partition.Id;
            descriptors[i] = partition.Descriptor;
            identities[i] = partition.InputIdentity;
        }

        // One round trip: epochs never decrease (the floor covers every partition about to be removed), the removed
        // partitions' state goes, the plan is rewritten, new partitions start pending at the floor, the changed ones
        // are reopened from their first record, and the run is running again.
        await ExecuteAsync(
            connection,
            $"""
            UPDATE {_runs} SET partition_epoch_floor = greatest(partition_epoch_floor,
                coalesce((SELECT max(lease_epoch) FROM {_states} WHERE run_key = @k), 0))
            WHERE run_key = @k;
            DELETE FROM {_states} WHERE run_key = @k AND partition_id = ANY(@gone);
            DELETE FROM {_checkpoints} WHERE run_key = @k AND (partition_id = ANY(@gone) OR partition_id = ANY(@reopened));
            DELETE FROM {_errors} WHERE run_key = @k AND (partition_id = ANY(@gone) OR partition_id = ANY(@reopened));
            UPDATE {_plans} SET fingerprint = @fingerprint, definition = @definition, partition_count = @count, barrier = @barrier WHERE run_key = @k;
            DELETE FROM {_planPartitions} WHERE run_key = @k;
            INSERT INTO {_planPartitions} (run_key, position, partition_index, partition_id, descriptor, input_identity)
            SELECT @k, t.position, t.partition_index, t.partition_id, t.descriptor, t.input_identity
            FROM unnest(@positions::integer[], @indexes::integer[], @ids::text[], @descriptors::text[], @identities::text[])
                AS t(position, partition_index, partition_id, descriptor, input_identity);
            INSERT INTO {_states} (run_key, partition_id, status, attempts, last_error, updated_at, lease_owner, lease_epoch, lease_expires_at)
            SELECT @k, t.partition_id, 'Pending', 0, NULL, @now, NULL, (SELECT partition_epoch_floor FROM {_runs} WHERE run_key = @k), NULL
            FROM unnest(@ids::text[]) AS t(partition_id)
            ON CONFLICT (run_key, partition_id) DO NOTHING;
            UPDATE {_states} SET status = 'Pending', last_error = NULL, updated_at = @now, lease_owner = NULL, lease_expires_at = NULL
            WHERE run_key = @k AND partition_id = ANY(@reopened);
            UPDATE {_runs} SET status = 'Running', last_error = NULL, ended_at = NULL WHERE run_key = @k;
            """,
            cancellationToken,
            ("k", runKey),
            ("gone", gone),
            ("reopened", reopened),
            ("fingerprint", plan.Fingerprint),
            ("definition", plan.Definition),
            ("count", count),
            ("barrier", plan.Barrier),
            ("positions", positions),
            ("indexes", indexes),
            ("ids", ids),
            ("descriptors", descriptors),
            ("identities", identities),
            ("now", Now())).ConfigureAwait(false);
    }
}
