namespace BatchKit;

/// <content>Run history: run attempts with their SLA results, and partition attempts.</content>
public sealed partial class SqliteCheckpointStore
{
    // Deletes the history of one run ($k): kept by ResetRunAsync (a reprocessed run keeps its past), removed with the run.
    private static readonly string[] DeleteRunHistory =
    [
        "DELETE FROM run_attempts WHERE run_key = $k",
        "DELETE FROM partition_attempts WHERE run_key = $k",
        "DELETE FROM sla_results WHERE run_key = $k",
        "DELETE FROM run_notifications WHERE run_key = $k",
    ];

    /// <inheritdoc/>
    public bool RecordsHistory => true;

    /// <inheritdoc/>
    public ValueTask RecordRunAttemptAsync(RunAttempt attempt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        return IgnoreResult(LockedAsync(() => InTransaction(transaction =>
        {
            Command(
                    """
                    INSERT INTO run_attempts (run_key, owner, attempt, epoch, started_at, ended_at, status, partitions, processed,
                        records_read, records_written, error_count, in_doubt_count, error, reconciled)
                    VALUES ($k, $owner, $attempt, $epoch, $started, $ended, $status, $partitions, $processed, $read, $written, $errors, $doubts, $error, $reconciled)
                    ON CONFLICT (run_key, owner) DO UPDATE SET
                        attempt = excluded.attempt, epoch = excluded.epoch, started_at = excluded.started_at, ended_at = excluded.ended_at,
                        status = excluded.status, partitions = excluded.partitions, processed = excluded.processed,
                        records_read = excluded.records_read, records_written = excluded.records_written, error_count = excluded.error_count,
                        in_doubt_count = excluded.in_doubt_count, error = excluded.error, reconciled = excluded.reconciled
                    """, transaction)
                .With("$k", attempt.RunKey).With("$owner", attempt.Owner).With("$attempt", attempt.Attempt).With("$epoch", attempt.Epoch)
                .With("$started", Ms(attempt.StartedAt)).With("$ended", attempt.EndedAt is { } ended ? Ms(ended) : null)
                .With("$status", attempt.Status.ToString()).With("$partitions", attempt.Partitions).With("$processed", attempt.PartitionsProcessed)
                .With("$read", attempt.RecordsRead).With("$written", attempt.RecordsWritten).With("$errors", attempt.Errors).With("$doubts", attempt.InDoubt)
                .With("$error", attempt.Error).With("$reconciled", attempt.PartitionsReconciled)
                .ExecuteNonQuery();
            Command("DELETE FROM sla_results WHERE run_key = $k AND owner = $owner", transaction).With("$k", attempt.RunKey).With("$owner", attempt.Owner).ExecuteNonQuery();
            for (var position = 0; position < attempt.SlaResults.Count; position++)
            {
                var result = attempt.SlaResults[position];
                Command(
                        """
                        INSERT INTO sla_results (run_key, owner, position, objective, target, actual, passed, gate, detail)
                        VALUES ($k, $owner, $position, $objective, $target, $actual, $passed, $gate, $detail)
                        """, transaction)
                    .With("$k", attempt.RunKey).With("$owner", attempt.Owner).With("$position", position).With("$objective", result.Objective)
                    .With("$target", double.IsNaN(result.Target) ? 0 : result.Target).With("$actual", result.Actual is { } actual && !double.IsNaN(actual) ? actual : null)
                    .With("$passed", result.Passed).With("$gate", result.IsGate).With("$detail", result.Detail)
                    .ExecuteNonQuery();
            }

            return true;
        }), cancellationToken));
    }

    /// <inheritdoc/>
    public ValueTask RecordPartitionAttemptAsync(PartitionAttempt attempt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        return IgnoreResult(LockedAsync(() => Command(
                """
                INSERT INTO partition_attempts (run_key, partition_id, owner, attempt, epoch, started_at, ended_at, status,
                    records_read, records_written, error_count, in_doubt_count, error)
                VALUES ($k, $id, $owner, $attempt, $epoch, $started, $ended, $status, $read, $written, $errors, $doubts, $error)
                ON CONFLICT (run_key, partition_id, owner, attempt) DO UPDATE SET
                    epoch = excluded.epoch, started_at = excluded.started_at, ended_at = excluded.ended_at, status = excluded.status,
                    records_read = excluded.records_read, records_written = excluded.records_written, error_count = excluded.error_count,
                    in_doubt_count = excluded.in_doubt_count, error = excluded.error
                """, null)
            .With("$k", attempt.RunKey).With("$id", attempt.PartitionId).With("$owner", attempt.Owner).With("$attempt", attempt.Attempt)
            .With("$epoch", attempt.Epoch).With("$started", Ms(attempt.StartedAt)).With("$ended", attempt.EndedAt is { } ended ? Ms(ended) : null)
            .With("$status", attempt.Status.ToString()).With("$read", attempt.RecordsRead).With("$written", attempt.RecordsWritten)
            .With("$errors", attempt.Errors).With("$doubts", attempt.InDoubt).With("$error", attempt.Error)
            .ExecuteNonQuery(), cancellationToken));
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<RunAttempt>> ListRunAttemptsAsync(string runKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runKey);
        return LockedAsync<IReadOnlyList<RunAttempt>>(() =>
        {
            var results = new Dictionary<string, List<SlaResult>>(StringComparer.Ordinal);
            using (var reader = Command("SELECT owner, objective, target, actual, passed, gate, detail FROM sla_results WHERE run_key = $k ORDER BY owner, position", null)
                .With("$k", runKey).ExecuteReader())
            {
                while (reader.Read())
                {
                    var owner = reader.GetString(0);
                    if (!results.TryGetValue(owner, out var list))
                    {
                        results[owner] = list = [];
                    }

                    list.Add(new SlaResult(reader.GetString(1), reader.GetDouble(2), reader.IsDBNull(3) ? null : reader.GetDouble(3), reader.GetInt64(4) != 0, reader.GetInt64(5) != 0, reader.GetString(6)));
                }
            }

            using var rows = Command(
                    """
                    SELECT owner, attempt, epoch, started_at, ended_at, status, partitions, processed, records_read, records_written, error_count, in_doubt_count, error, reconciled
                    FROM run_attempts WHERE run_key = $k ORDER BY started_at, attempt
                    """, null)
                .With("$k", runKey).ExecuteReader();
            var attempts = new List<RunAttempt>();
            while (rows.Read())
            {
                var owner = rows.GetString(0);
                attempts.Add(new RunAttempt(runKey, owner, rows.GetInt32(1), rows.GetInt64(2), rows.GetInstant(3), rows.GetInstantOrNull(4), Enum.Parse<RunStatus>(rows.GetString(5)))
                {
                    Partitions = rows.GetInt32(6),
                    PartitionsProcessed = rows.GetInt32(7),
                    RecordsRead = rows.GetInt64(8),
                    RecordsWritten = rows.GetInt64(9),
                    Errors = rows.GetInt64(10),
                    InDoubt = rows.GetInt64(11),
                    Error = rows.GetStringOrNull(12),
                    PartitionsReconciled = rows.GetInt32(13),
                    SlaResults = results.TryGetValue(owner, out var list) ? list : [],
                });
            }

            return attempts;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<PartitionAttempt>> ListPartitionAttemptsAsync(string runKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runKey);
        return LockedAsync<IReadOnlyList<PartitionAttempt>>(() =>
        {
            using var reader = Command(
                    """
                    SELECT partition_id, attempt, owner, epoch, started_at, ended_at, status, records_read, records_written, error_count, in_doubt_count, error
                    FROM partition_attempts WHERE run_key = $k ORDER BY partition_id, started_at, attempt
                    """, null)
                .With("$k", runKey).ExecuteReader();
            var attempts = new List<PartitionAttempt>();
            while (reader.Read())
            {
                attempts.Add(new PartitionAttempt(runKey, reader.GetString(0), reader.GetInt32(1), reader.GetString(2), reader.GetInt64(3), reader.GetInstant(4), reader.GetInstantOrNull(5), Enum.Parse<PartitionStatus>(reader.GetString(6)))
                {
                    RecordsRead = reader.GetInt64(7),
                    RecordsWritten = reader.GetInt64(8),
                    Errors = reader.GetInt64(9),
                    InDoubt = reader.GetInt64(10),
                    Error = reader.GetStringOrNull(11),
                });
            }

            return attempts;
        }, cancellationToken);
    }
}
