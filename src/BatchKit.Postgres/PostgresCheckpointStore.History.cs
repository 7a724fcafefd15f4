using BatchKit.Postgres.Internal;
using Npgsql;

namespace BatchKit.Postgres;

/// <content>Run history: run attempts with their SLA results, and partition attempts (schema version 3).</content>
public sealed partial class PostgresCheckpointStore
{
    /// <inheritdoc/>
    /// <value>Always <see langword="true"/>: run attempts, partition attempts and SLA results are kept in the store's schema.</value>
    public bool RecordsHistory => true;

    /// <inheritdoc/>
    /// <remarks>
    /// Not fenced: the record of an attempt whose lease was taken over is kept too. The attempt row and its SLA results are
    /// replaced in one transaction, so a reader never sees an attempt with half of its results.
    /// </remarks>
    public ValueTask RecordRunAttemptAsync(RunAttempt attempt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        return Ignore(InTransactionAsync(
            async connection =>
            {
                await ExecuteAsync(
                    connection,
                    $"""
                    INSERT INTO {History("run_attempts")} (run_key, owner, attempt, epoch, started_at, ended_at, status, partitions, processed,
                        records_read, records_written, error_count, in_doubt_count, error, reconciled)
                    VALUES (@k, @owner, @attempt, @epoch, @started, @ended, @status, @partitions, @processed, @read, @written, @errors, @doubts, @error, @reconciled)
                    ON CONFLICT (run_key, owner) DO UPDATE SET
                        attempt = excluded.attempt, epoch = excluded.epoch, started_at = excluded.started_at, ended_at = excluded.ended_at,
                        status = excluded.status, partitions = excluded.partitions, processed = excluded.processed,
                        records_read = excluded.records_read, records_written = excluded.records_written, error_count = excluded.error_count,
                        in_doubt_count = excluded.in_doubt_count, error = excluded.error, reconciled = excluded.reconciled
                    """,
                    cancellationToken,
                    ("k", attempt.RunKey),
                    ("owner", attempt.Owner),
                    ("attempt", attempt.Attempt),
                    ("epoch", attempt.Epoch),
                    ("started", Pg.Utc(attempt.StartedAt)),
                    ("ended", attempt.EndedAt is { } ended ? Pg.Utc(ended) : null),
                    ("status", attempt.Status.ToString()),
                    ("partitions", attempt.Partitions),
                    ("processed", attempt.PartitionsProcessed),
                    ("read", attempt.RecordsRead),
                    ("written", attempt.RecordsWritten),
                    ("errors", attempt.Errors),
                    ("doubts", attempt.InDoubt),
                    ("error", attempt.Error),
                    ("reconciled", attempt.PartitionsReconciled)).ConfigureAwait(false);
                await ExecuteAsync(
                    connection,
                    $"DELETE FROM {History("sla_results")} WHERE run_key = @k AND owner = @owner",
                    cancellationToken,
                    ("k", attempt.RunKey),
                    ("owner", attempt.Owner)).ConfigureAwait(false);
                for (var position = 0; position < attempt.SlaResults.Count; position++)
                {
                    var result = attempt.SlaResults[position];
                    await ExecuteAsync(
                        connection,
                        $"""
                        INSERT INTO {History("sla_results")} (run_key, owner, position, objective, target, actual, passed, gate, detail)
                        VALUES (@k, @owner, @position, @objective, @target, @actual, @passed, @gate, @detail)
                        """,
                        cancellationToken,
                        ("k", attempt.RunKey),
                        ("owner", attempt.Owner),
                        ("position", position),
                        ("objective", result.Objective),
                        ("target", double.IsNaN(result.Target) ? 0d : result.Target),
                        ("actual", result.Actual is { } actual && !double.IsNaN(actual) ? actual : null),
                        ("passed", result.Passed),
                        ("gate", result.IsGate),
                        ("detail", result.Detail)).ConfigureAwait(false);
                }

                return true;
            },
            cancellationToken));
    }

    /// <inheritdoc/>
    /// <remarks>Not fenced, like <see cref="RecordRunAttemptAsync"/>.</remarks>
    public ValueTask RecordPartitionAttemptAsync(PartitionAttempt attempt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        return Ignore(RunAsync(
            connection => ExecuteAsync(
                connection,
                $"""
                INSERT INTO {History("partition_attempts")} (run_key, partition_id, owner, attempt, epoch, started_at, ended_at, status,
                    records_read, records_written, error_count, in_doubt_count, error)
                VALUES (@k, @id, @owner, @attempt, @epoch, @started, @ended, @status, @read, @written, @errors, @doubts, @error)
                ON CONFLICT (run_key, partition_id, owner, attempt) DO UPDATE SET
                    epoch = excluded.epoch, started_at = excluded.started_at, ended_at = excluded.ended_at, status = excluded.status,
                    records_read = excluded.records_read, records_written = excluded.records_written, error_count = excluded.error_count,
                    in_doubt_count = excluded.in_doubt_count, error = excluded.error
                """,
                cancellationToken,
                ("k", attempt.RunKey),
                ("id", attempt.PartitionId),
                ("owner", attempt.Owner),
                ("attempt", attempt.Attempt),
                ("epoch", attempt.Epoch),
                ("started", Pg.Utc(attempt.StartedAt)),
                ("ended", attempt.EndedAt is { } ended ? Pg.Utc(ended) : null),
                ("status", attempt.Status.ToString()),
                ("read", attempt.RecordsRead),
                ("written", attempt.RecordsWritten),
                ("errors", attempt.Errors),
                ("doubts", attempt.InDoubt),
                ("error", attempt.Error)),
            cancellationToken));
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<RunAttempt>> ListRunAttemptsAsync(string runKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runKey);
        return RunAsync<IReadOnlyList<RunAttempt>>(
            async connection =>
            {
                // One snapshot for both reads, so an attempt and its results agree.
                await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
                var results = new Dictionary<string, List<SlaResult>>(StringComparer.Ordinal);
                await using (var command = Pg.Command(
                    connection,
                    $"SELECT owner, objective, target, actual, passed, gate, detail FROM {History("sla_results")} WHERE run_key = @k ORDER BY owner COLLATE \"C\", position",
                    ("k", runKey)))
                await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        var owner = reader.GetString(0);
                        if (!results.TryGetValue(owner, out var list))
                        {
                            results[owner] = list = [];
                        }

                        list.Add(new SlaResult(reader.GetString(1), reader.GetDouble(2), reader.IsDBNull(3) ? null : reader.GetDouble(3), reader.GetBoolean(4), reader.GetBoolean(5), reader.GetString(6)));
                    }
                }

                var attempts = new List<RunAttempt>();
                await using (var command = Pg.Command(
                    connection,
                    $"""
                    SELECT owner, attempt, epoch, started_at, ended_at, status, partitions, processed, records_read, records_written, error_count, in_doubt_count, error, reconciled
                    FROM {History("run_attempts")} WHERE run_key = @k ORDER BY started_at, attempt
                    """,
                    ("k", runKey)))
                await using (var rows = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                {
                    while (await rows.ReadAsync(cancellationToken).ConfigureAwait(false))
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
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return attempts;
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<PartitionAttempt>> ListPartitionAttemptsAsync(string runKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runKey);
        return RunAsync<IReadOnlyList<PartitionAttempt>>(
            async connection =>
            {
                await using var command = Pg.Command(
                    connection,
                    $"""
                    SELECT partition_id, attempt, owner, epoch, started_at, ended_at, status, records_read, records_written, error_count, in_doubt_count, error
                    FROM {History("partition_attempts")} WHERE run_key = @k ORDER BY partition_id COLLATE "C", started_at, attempt
                    """,
                    ("k", runKey));
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                var attempts = new List<PartitionAttempt>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
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
            },
            cancellationToken);
    }

    // Deletes the history of one run: kept by ResetRunAsync (a reprocessed run keeps its past), removed with the run by
    // DeleteRunsEndedBeforeAsync, in its transaction.
    private Task<int> DeleteRunHistoryAsync(NpgsqlConnection connection, string runKey, CancellationToken cancellationToken) =>
        ExecuteAsync(
            connection,
            $"""
            DELETE FROM {History("run_attempts")} WHERE run_key = @k;
            DELETE FROM {History("partition_attempts")} WHERE run_key = @k;
            DELETE FROM {History("sla_results")} WHERE run_key = @k;
            """,
            cancellationToken,
            ("k", runKey));

    // The qualified name of a history table in the store's schema.
    private string History(string table) => Pg.Quote(Schema) + "." + table;
}
