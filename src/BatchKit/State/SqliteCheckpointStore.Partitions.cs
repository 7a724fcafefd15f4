using Microsoft.Data.Sqlite;

namespace BatchKit;

/// <content>Partition plans, partition states, checkpoints, stages and error records.</content>
public sealed partial class SqliteCheckpointStore
{
    /// <inheritdoc/>
    public ValueTask<PartitionPlan?> GetPlanAsync(string runKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runKey);
        return LockedAsync(() =>
        {
            string fingerprint, definition;
            int barrier;
            using (var reader = Command("SELECT fingerprint, definition, barrier FROM partition_plans WHERE run_key = $k", null).With("$k", runKey).ExecuteReader())
            {
                if (!reader.Read())
                {
                    return null;
                }

                fingerprint = reader.GetString(0);
                definition = reader.GetString(1);
                barrier = reader.GetInt32(2);
            }

            var partitions = new List<Partition>();
            using (var reader = Command("SELECT partition_index, partition_id, descriptor, input_identity FROM plan_partitions WHERE run_key = $k ORDER BY position", null)
                .With("$k", runKey).ExecuteReader())
            {
                while (reader.Read())
                {
                    partitions.Add(new Partition(reader.GetInt32(0), reader.GetString(1), reader.GetString(2)) { InputIdentity = reader.IsDBNull(3) ? null : reader.GetString(3) });
                }
            }

            return new PartitionPlan(fingerprint, partitions) { Definition = definition, Barrier = barrier };
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask SavePlanAsync(RunLease lease, PartitionPlan plan, CancellationToken cancellationToken)
    {
        StateStoreText.ValidatePlan(plan);
        return WriteAsync(lease, transaction =>
        {
            var (jobName, parameters) = EnsureLease(lease, transaction);
            using (var reader = Command("SELECT 1 FROM partition_plans WHERE run_key = $k", transaction).With("$k", lease.RunKey).ExecuteReader())
            {
                if (reader.Read())
                {
                    throw StateStoreText.PlanExists(jobName, parameters);
                }
            }

            var now = Ms(Now());
            Command("INSERT INTO partition_plans (run_key, fingerprint, partition_count, created_at, definition, barrier) VALUES ($k, $fingerprint, $count, $now, $definition, $barrier)", transaction)
                .With("$k", lease.RunKey).With("$fingerprint", plan.Fingerprint).With("$count", plan.Partitions.Count).With("$now", now).With("$definition", plan.Definition)
                .With("$barrier", plan.Barrier)
                .ExecuteNonQuery();
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
                        VALUES ($k, $id, $status, 0, NULL, $now, NULL, (SELECT partition_epoch_floor FROM runs WHERE run_key = $k), NULL)
                        """, transaction)
                    .With("$k", lease.RunKey).With("$id", partition.Id).With("$status", nameof(PartitionStatus.Pending)).With("$now", now)
                    .ExecuteNonQuery();
            }
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<PartitionState>> GetPartitionStatesAsync(string runKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runKey);
        return LockedAsync<IReadOnlyList<PartitionState>>(() =>
        {
            using var reader = Command(
                    """
                    SELECT s.partition_id, s.status, s.attempts, s.last_error, s.updated_at, s.lease_owner, s.lease_epoch, s.lease_expires_at
                    FROM partition_states s JOIN plan_partitions p ON p.run_key = s.run_key AND p.partition_id = s.partition_id
                    WHERE s.run_key = $k ORDER BY p.position
                    """, null)
                .With("$k", runKey).ExecuteReader();
            var states = new List<PartitionState>();
            while (reader.Read())
            {
                states.Add(new PartitionState(reader.GetString(0), Enum.Parse<PartitionStatus>(reader.GetString(1)), reader.GetInt32(2), reader.GetStringOrNull(3), reader.GetInstant(4))
                {
                    LeaseOwner = reader.GetStringOrNull(5),
                    LeaseEpoch = reader.GetInt64(6),
                    LeaseExpiresAt = reader.GetInstantOrNull(7),
                });
            }

            return states;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<Checkpoint?> GetCheckpointAsync(string runKey, string partitionId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runKey);
        ArgumentNullException.ThrowIfNull(partitionId);
        return LockedAsync(() =>
        {
            using var reader = Command(
                    """
                    SELECT step, source_position, records_read, records_written, error_count, sink_position, updated_at, in_doubt_count
                    FROM checkpoints WHERE run_key = $k AND partition_id = $id
                    """, null)
                .With("$k", runKey).With("$id", partitionId).ExecuteReader();
            return reader.Read()
                ? new Checkpoint(partitionId, reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetInstant(6)) { InDoubtCount = reader.GetInt64(7) }
                : null;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask CommitChunkAsync(PartitionLease lease, Checkpoint checkpoint, IReadOnlyList<ErrorRecord> errors, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(checkpoint);
        StateStoreText.ValidatePartition(lease, checkpoint.PartitionId);
        StateStoreText.ValidateErrors(lease, errors);
        return WriteAsync(lease, transaction =>
        {
            Command(
                    """
                    INSERT INTO checkpoints (run_key, partition_id, step, source_position, records_read, records_written, error_count, sink_position, updated_at, in_doubt_count)
                    VALUES ($k, $id, $step, $source, $read, $written, $errors, $sink, $updated, $doubts)
                    ON CONFLICT (run_key, partition_id) DO UPDATE SET
                        step = excluded.step, source_position = excluded.source_position, records_read = excluded.records_read,
                        records_written = excluded.records_written, error_count = excluded.error_count,
                        sink_position = excluded.sink_position, updated_at = excluded.updated_at, in_doubt_count = excluded.in_doubt_count
                    """, transaction)
                .With("$k", lease.RunKey).With("$id", checkpoint.PartitionId).With("$step", checkpoint.Step).With("$source", checkpoint.SourcePosition)
                .With("$read", checkpoint.RecordsRead).With("$written", checkpoint.RecordsWritten).With("$errors", checkpoint.ErrorCount)
                .With("$sink", checkpoint.SinkPosition).With("$updated", Ms(checkpoint.UpdatedAt)).With("$doubts", checkpoint.InDoubtCount)
                .ExecuteNonQuery();
            foreach (var error in errors)
            {
                Command(
                        """
                        INSERT INTO error_records (run_key, partition_id, step, record_offset, raw_payload, reason, exception_type, exception_message, occurred_at)
                        VALUES ($k, $id, $step, $offset, $payload, $reason, $type, $message, $at)
                        ON CONFLICT (run_key, partition_id, step, record_offset) DO NOTHING
                        """, transaction)
                    .With("$k", lease.RunKey).With("$id", error.PartitionId).With("$step", error.Step).With("$offset", error.Offset)
                    .With("$payload", error.RawPayload).With("$reason", error.Reason).With("$type", error.ExceptionType)
                    .With("$message", error.ExceptionMessage).With("$at", Ms(error.OccurredAt))
                    .ExecuteNonQuery();
            }
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask ClearCheckpointAsync(PartitionLease lease, CancellationToken cancellationToken) =>
        WriteAsync(lease, transaction => Command("DELETE FROM checkpoints WHERE run_key = $k AND partition_id = $id", transaction)
            .With("$k", lease.RunKey).With("$id", lease.PartitionId).ExecuteNonQuery(), cancellationToken);

    /// <inheritdoc/>
    public ValueTask<bool> IsStageCompletedAsync(string runKey, string stage, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runKey);
        ArgumentNullException.ThrowIfNull(stage);
        return LockedAsync(() =>
        {
            using var reader = Command("SELECT 1 FROM stages WHERE run_key = $k AND stage = $stage", null).With("$k", runKey).With("$stage", stage).ExecuteReader();
            return reader.Read();
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask CompleteStageAsync(RunLease lease, string stage, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(stage);
        return WriteAsync(lease, transaction => Command("INSERT INTO stages (run_key, stage, completed_at) VALUES ($k, $stage, $now) ON CONFLICT (run_key, stage) DO NOTHING", transaction)
            .With("$k", lease.RunKey).With("$stage", stage).With("$now", Ms(Now())).ExecuteNonQuery(), cancellationToken);
    }

    /// <inheritdoc/>
    /// <remarks>Records are ordered by the partition's position in the plan, then partition id, offset and step.</remarks>
    public ValueTask<IReadOnlyList<ErrorRecord>> QueryErrorsAsync(ErrorQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegative(query.Limit, nameof(query));
        return LockedAsync<IReadOnlyList<ErrorRecord>>(() =>
        {
            using var reader = Command(
                    """
                    SELECT e.partition_id, e.step, e.record_offset, e.raw_payload, e.reason, e.exception_type, e.exception_message, e.occurred_at
                    FROM error_records e
                    LEFT JOIN plan_partitions p ON p.run_key = e.run_key AND p.partition_id = e.partition_id
                    WHERE e.run_key = $k
                      AND ($partition IS NULL OR e.partition_id = $partition)
                      AND ($reason IS NULL OR instr(e.reason, $reason) > 0)
                    ORDER BY coalesce(p.position, 2147483647), e.partition_id, e.record_offset, e.step
                    LIMIT $limit
                    """, null)
                .With("$k", query.RunKey).With("$partition", query.PartitionId).With("$reason", query.Reason).With("$limit", query.Limit)
                .ExecuteReader();
            var records = new List<ErrorRecord>();
            while (reader.Read())
            {
                records.Add(new ErrorRecord(
                    query.RunKey,
                    reader.GetString(0),
                    reader.GetString(1),
                    reader.GetInt64(2),
                    reader.GetString(3),
                    reader.GetString(4),
                    reader.GetStringOrNull(5),
                    reader.GetStringOrNull(6),
                    reader.GetInstant(7)));
            }

            return records;
        }, cancellationToken);
    }
}
