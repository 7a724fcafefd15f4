using BatchKit.Postgres.Internal;
using Npgsql;

namespace BatchKit.Postgres;

/// <content>Partition plans, partition states, checkpoints, stages and error records.</content>
public sealed partial class PostgresCheckpointStore
{
    /// <inheritdoc/>
    public ValueTask<PartitionPlan?> GetPlanAsync(string runKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runKey);
        return RunAsync<PartitionPlan?>(
            async connection =>
            {
                string fingerprint, definition;
                int barrier;
                await using (var command = Pg.Command(connection, $"SELECT fingerprint, definition, barrier FROM {_plans} WHERE run_key = @k", ("k", runKey)))
                await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        return null;
                    }

                    fingerprint = reader.GetString(0);
                    definition = reader.GetString(1);
                    barrier = reader.GetInt32(2);
                }

                var partitions = new List<Partition>();
                await using (var command = Pg.Command(connection, $"SELECT partition_index, partition_id, descriptor, input_identity FROM {_planPartitions} WHERE run_key = @k ORDER BY position", ("k", runKey)))
                await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        partitions.Add(new Partition(reader.GetInt32(0), reader.GetString(1), reader.GetString(2)) { InputIdentity = reader.GetStringOrNull(3) });
                    }
                }

                return new PartitionPlan(fingerprint, partitions) { Definition = definition, Barrier = barrier };
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask SavePlanAsync(RunLease lease, PartitionPlan plan, CancellationToken cancellationToken)
    {
        StateStoreText.ValidatePlan(plan);
        return Ignore(FencedAsync(
            lease,
            LeaseLock.Update,
            async (connection, run) =>
            {
                await InsertPlanAsync(connection, lease.RunKey, plan, run, cancellationToken).ConfigureAwait(false);
                return true;
            },
            cancellationToken));
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<PartitionState>> GetPartitionStatesAsync(string runKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runKey);
        return RunAsync<IReadOnlyList<PartitionState>>(
            async connection =>
            {
                await using var command = Pg.Command(
                    connection,
                    $"""
                    SELECT s.partition_id, s.status, s.attempts, s.last_error, s.updated_at, s.lease_owner, s.lease_epoch, s.lease_expires_at
                    FROM {_states} s JOIN {_planPartitions} p ON p.run_key = s.run_key AND p.partition_id = s.partition_id
                    WHERE s.run_key = @k ORDER BY p.position
                    """,
                    ("k", runKey));
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                var states = new List<PartitionState>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    states.Add(new PartitionState(reader.GetString(0), Enum.Parse<PartitionStatus>(reader.GetString(1)), reader.GetInt32(2), reader.GetStringOrNull(3), reader.GetInstant(4))
                    {
                        LeaseOwner = reader.GetStringOrNull(5),
                        LeaseEpoch = reader.GetInt64(6),
                        LeaseExpiresAt = reader.GetInstantOrNull(7),
                    });
                }

                return states;
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<Checkpoint?> GetCheckpointAsync(string runKey, string partitionId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runKey);
        ArgumentNullException.ThrowIfNull(partitionId);
        return RunAsync<Checkpoint?>(
            async connection =>
            {
                await using var command = Pg.Command(
                    connection,
                    $"""
                    SELECT step, source_position, records_read, records_written, error_count, sink_position, updated_at, in_doubt_count
                    FROM {_checkpoints} WHERE run_key = @k AND partition_id = @id
                    """,
                    ("k", runKey),
                    ("id", partitionId));
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                    ? new Checkpoint(partitionId, reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetInstant(6)) { InDoubtCount = reader.GetInt64(7) }
                    : null;
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask CommitChunkAsync(PartitionLease lease, Checkpoint checkpoint, IReadOnlyList<ErrorRecord> errors, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(checkpoint);
        StateStoreText.ValidatePartition(lease, checkpoint.PartitionId);
        StateStoreText.ValidateErrors(lease, errors);
        return WriteAsync(
            lease,
            async connection =>
            {
                await UpsertCheckpointAsync(connection, lease.RunKey, checkpoint, cancellationToken).ConfigureAwait(false);
                await InsertErrorsAsync(connection, lease.RunKey, errors, cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <summary>
    /// Writes a chunk's checkpoint and error records in the caller's transaction (a <see cref="PostgresSink{T}"/> on
    /// the same database commits them with the chunk), checking the partition lease there as <see cref="CommitChunkAsync"/>
    /// does and locking the partition's row until the caller commits.
    /// </summary>
    /// <exception cref="LeaseLostException">The lease no longer holds the partition; the caller must roll back.</exception>
    internal async Task CommitChunkInAsync(NpgsqlConnection connection, PartitionLease lease, Checkpoint checkpoint, IReadOnlyList<ErrorRecord> errors, CancellationToken cancellationToken)
    {
        StateStoreText.ValidatePartition(lease, checkpoint.PartitionId);
        StateStoreText.ValidateErrors(lease, errors);
        await EnsurePartitionLeaseAsync(connection, lease, cancellationToken).ConfigureAwait(false);
        await UpsertCheckpointAsync(connection, lease.RunKey, checkpoint, cancellationToken).ConfigureAwait(false);
        await InsertErrorsAsync(connection, lease.RunKey, errors, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public ValueTask ClearCheckpointAsync(PartitionLease lease, CancellationToken cancellationToken) =>
        WriteAsync(
            lease,
            connection => ExecuteAsync(connection, $"DELETE FROM {_checkpoints} WHERE run_key = @k AND partition_id = @id", cancellationToken, ("k", lease.RunKey), ("id", lease.PartitionId)),
            cancellationToken);

    /// <inheritdoc/>
    public ValueTask<bool> IsStageCompletedAsync(string runKey, string stage, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runKey);
        ArgumentNullException.ThrowIfNull(stage);
        return RunAsync(
            async connection =>
            {
                await using var command = Pg.Command(connection, $"SELECT 1 FROM {_stages} WHERE run_key = @k AND stage = @stage", ("k", runKey), ("stage", stage));
                return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null;
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask CompleteStageAsync(RunLease lease, string stage, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(stage);
        return WriteAsync(
            lease,
            LeaseLock.Share,
            connection => ExecuteAsync(
                connection,
                $"INSERT INTO {_stages} (run_key, stage, completed_at) VALUES (@k, @stage, @now) ON CONFLICT (run_key, stage) DO NOTHING",
                cancellationToken,
                ("k", lease.RunKey),
                ("stage", stage),
                ("now", Now())),
            cancellationToken);
    }

    /// <inheritdoc/>
    /// <remarks>Records are ordered by the partition's position in the plan, then partition id, offset and step. The reason filter is case-sensitive.</remarks>
    public ValueTask<IReadOnlyList<ErrorRecord>> QueryErrorsAsync(ErrorQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegative(query.Limit, nameof(query));
        return RunAsync<IReadOnlyList<ErrorRecord>>(
            async connection =>
            {
                await using var command = Pg.Command(
                    connection,
                    $"""
                    SELECT e.partition_id, e.step, e.record_offset, e.raw_payload, e.reason, e.exception_type, e.exception_message, e.occurred_at
                    FROM {_errors} e
                    LEFT JOIN {_planPartitions} p ON p.run_key = e.run_key AND p.partition_id = e.partition_id
                    WHERE e.run_key = @k
                      AND (@partition::text IS NULL OR e.partition_id = @partition::text)
                      AND (@reason::text IS NULL OR strpos(e.reason, @reason::text) > 0)
                    ORDER BY coalesce(p.position, 2147483647), e.partition_id COLLATE "C", e.record_offset, e.step COLLATE "C"
                    LIMIT @limit
                    """,
                    ("k", query.RunKey),
                    ("partition", query.PartitionId),
                    ("reason", query.Reason),
                    ("limit", query.Limit));
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                var records = new List<ErrorRecord>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
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
            },
            cancellationToken);
    }

    private static async ValueTask Ignore<T>(ValueTask<T> task) => await task.ConfigureAwait(false);

    // Freezes the plan: refuses a second plan, then writes the plan, its partitions and their Pending states.
    private async Task InsertPlanAsync(NpgsqlConnection connection, string runKey, PartitionPlan plan, (string JobName, string Parameters) run, CancellationToken cancellationToken)
    {
        await using (var exists = Pg.Command(connection, $"SELECT 1 FROM {_plans} WHERE run_key = @k", ("k", runKey)))
        {
            if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null)
            {
                throw StateStoreText.PlanExists(run.JobName, run.Parameters);
            }
        }

        var now = Now();
        await ExecuteAsync(
            connection,
            $"INSERT INTO {_plans} (run_key, fingerprint, definition, partition_count, created_at, barrier) VALUES (@k, @fingerprint, @definition, @count, @now, @barrier)",
            cancellationToken,
            ("k", runKey),
            ("fingerprint", plan.Fingerprint),
            ("definition", plan.Definition),
            ("count", plan.Partitions.Count),
            ("now", now),
            ("barrier", plan.Barrier)).ConfigureAwait(false);

        // One round trip for all partitions: arrays unnested in plan order.
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

        await ExecuteAsync(
            connection,
            $"""
            INSERT INTO {_planPartitions} (run_key, position, partition_index, partition_id, descriptor, input_identity)
            SELECT @k, t.position, t.partition_index, t.partition_id, t.descriptor, t.input_identity
            FROM unnest(@positions::integer[], @indexes::integer[], @ids::text[], @descriptors::text[], @identities::text[])
                AS t(position, partition_index, partition_id, descriptor, input_identity);
            INSERT INTO {_states} (run_key, partition_id, status, attempts, last_error, updated_at, lease_owner, lease_epoch, lease_expires_at)
            SELECT @k, t.partition_id, @status, 0, NULL, @now, NULL, (SELECT partition_epoch_floor FROM {_runs} WHERE run_key = @k), NULL
            FROM unnest(@ids::text[]) AS t(partition_id);
            """,
            cancellationToken,
            ("k", runKey),
            ("positions", positions),
            ("indexes", indexes),
            ("ids", ids),
            ("descriptors", descriptors),
            ("identities", identities),
            ("status", nameof(PartitionStatus.Pending)),
            ("now", now)).ConfigureAwait(false);
    }

    private Task<int> UpsertCheckpointAsync(NpgsqlConnection connection, string runKey, Checkpoint checkpoint, CancellationToken cancellationToken) =>
        ExecuteAsync(
            connection,
            $"""
            INSERT INTO {_checkpoints} (run_key, partition_id, step, source_position, records_read, records_written, error_count, sink_position, updated_at, in_doubt_count)
            VALUES (@k, @id, @step, @source, @read, @written, @errors, @sink, @updated, @doubts)
            ON CONFLICT (run_key, partition_id) DO UPDATE SET
                step = excluded.step, source_position = excluded.source_position, records_read = excluded.records_read,
                records_written = excluded.records_written, error_count = excluded.error_count,
                sink_position = excluded.sink_position, updated_at = excluded.updated_at, in_doubt_count = excluded.in_doubt_count
            """,
            cancellationToken,
            ("k", runKey),
            ("id", checkpoint.PartitionId),
            ("step", checkpoint.Step),
            ("source", checkpoint.SourcePosition),
            ("read", checkpoint.RecordsRead),
            ("written", checkpoint.RecordsWritten),
            ("errors", checkpoint.ErrorCount),
            ("sink", checkpoint.SinkPosition),
            ("updated", Pg.Utc(checkpoint.UpdatedAt)),
            ("doubts", checkpoint.InDoubtCount));

    // A record already stored (same run, partition, step and offset) is kept as it was: a replayed chunk adds nothing.
    private async Task InsertErrorsAsync(NpgsqlConnection connection, string runKey, IReadOnlyList<ErrorRecord> errors, CancellationToken cancellationToken)
    {
        if (errors.Count == 0)
        {
            return;
        }

        await using var batch = new NpgsqlBatch(connection);
        foreach (var error in errors)
        {
            var command = new NpgsqlBatchCommand(
                $"""
                INSERT INTO {_errors} (run_key, partition_id, step, record_offset, raw_payload, reason, exception_type, exception_message, occurred_at)
                VALUES (@k, @id, @step, @offset, @payload, @reason, @type, @message, @at)
                ON CONFLICT (run_key, partition_id, step, record_offset) DO NOTHING
                """);
            command.Parameters.AddWithValue("k", runKey);
            command.Parameters.AddWithValue("id", error.PartitionId);
            command.Parameters.AddWithValue("step", error.Step);
            command.Parameters.AddWithValue("offset", error.Offset);
            command.Parameters.AddWithValue("payload", error.RawPayload);
            command.Parameters.AddWithValue("reason", error.Reason);
            command.Parameters.AddWithValue("type", (object?)error.ExceptionType ?? DBNull.Value);
            command.Parameters.AddWithValue("message", (object?)error.ExceptionMessage ?? DBNull.Value);
            command.Parameters.AddWithValue("at", Pg.Utc(error.OccurredAt));
            batch.BatchCommands.Add(command);
        }

        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
