using BatchKit.Postgres.Internal;
using Npgsql;

namespace BatchKit.Postgres;

/// <content>Idempotency effects and the deletion of old runs.</content>
public sealed partial class PostgresCheckpointStore
{
    private const string Claimed = "claimed";
    private const string Confirmed = "confirmed";

    /// <inheritdoc/>
    public ValueTask<ClaimOutcome> ClaimEffectAsync(PartitionLease lease, string key, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        return FencedAsync(
            lease,
            async (connection, _) =>
            {
                // The insert decides between attempts that claim the same key at once; the loser reads the winner's row.
                await using var command = Pg.Command(
                    connection,
                    $"""
                    WITH claimed AS (
                        INSERT INTO {_effects} (run_key, effect_key, partition_id, status, claimed_at, confirmed_at)
                        VALUES (@k, @key, @id, @claimed, @now, NULL)
                        ON CONFLICT (run_key, effect_key) DO NOTHING
                        RETURNING status)
                    SELECT status, true FROM claimed
                    UNION ALL
                    SELECT status, false FROM {_effects} WHERE run_key = @k AND effect_key = @key AND NOT EXISTS (SELECT 1 FROM claimed)
                    """,
                    ("k", lease.RunKey),
                    ("key", key),
                    ("id", lease.PartitionId),
                    ("claimed", Claimed),
                    ("now", Now()));
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    // Another transaction inserted the key and has not committed yet, or deleted it: the claim is undecided.
                    return ClaimOutcome.InDoubt;
                }

                return reader.GetBoolean(1) ? ClaimOutcome.Claimed : reader.GetString(0) == Confirmed ? ClaimOutcome.AlreadyConfirmed : ClaimOutcome.InDoubt;
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The key was never claimed.</exception>
    public ValueTask ConfirmEffectAsync(PartitionLease lease, string key, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        return WriteAsync(
            lease,
            async connection =>
            {
                if (await ConfirmAsync(connection, lease.RunKey, key, cancellationToken).ConfigureAwait(false) == 0)
                {
                    throw StateStoreText.EffectNotClaimed(lease.RunKey, key);
                }
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<InDoubtEffect>> ListInDoubtEffectsAsync(string runKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runKey);
        return RunAsync<IReadOnlyList<InDoubtEffect>>(
            async connection =>
            {
                await using var command = Pg.Command(
                    connection,
                    $"SELECT effect_key, partition_id, claimed_at FROM {_effects} WHERE run_key = @k AND status = @status ORDER BY claimed_at, effect_key COLLATE \"C\"",
                    ("k", runKey),
                    ("status", Claimed));
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                var effects = new List<InDoubtEffect>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    effects.Add(new InDoubtEffect(runKey, reader.GetString(0), reader.GetString(1), reader.GetInstant(2)));
                }

                return effects;
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The key was never claimed, or is confirmed and <paramref name="happened"/> is <see langword="false"/>.</exception>
    public ValueTask ResolveInDoubtEffectAsync(string runKey, string key, bool happened, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runKey);
        ArgumentException.ThrowIfNullOrEmpty(key);
        return Ignore(InTransactionAsync(
            async connection =>
            {
                if (happened)
                {
                    return await ConfirmAsync(connection, runKey, key, cancellationToken).ConfigureAwait(false) == 0 ? throw StateStoreText.EffectNotClaimed(runKey, key) : true;
                }

                if (await ExecuteAsync(connection, $"DELETE FROM {_effects} WHERE run_key = @k AND effect_key = @key AND status = @status", cancellationToken, ("k", runKey), ("key", key), ("status", Claimed)).ConfigureAwait(false) == 1)
                {
                    return true;
                }

                await using var command = Pg.Command(connection, $"SELECT 1 FROM {_effects} WHERE run_key = @k AND effect_key = @key", ("k", runKey), ("key", key));
                throw await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null
                    ? StateStoreText.EffectConfirmed(runKey, key)
                    : StateStoreText.EffectNotClaimed(runKey, key);
            },
            cancellationToken));
    }

    /// <inheritdoc/>
    /// <remarks>Runs whose lease is still live are kept, whatever their status. Rows of runs locked by a concurrent call are skipped, not waited for.</remarks>
    public ValueTask<IReadOnlyList<string>> DeleteRunsEndedBeforeAsync(DateTimeOffset endedBefore, CancellationToken cancellationToken) =>
        InTransactionAsync<IReadOnlyList<string>>(
            async connection =>
            {
                var keys = new List<string>();
                await using (var command = Pg.Command(
                    connection,
                    $"""
                    SELECT run_key FROM {_runs}
                    WHERE ended_at < @cutoff AND status <> @running AND (lease_owner IS NULL OR lease_expires_at <= @now)
                      AND NOT EXISTS (SELECT 1 FROM {_states} s WHERE s.run_key = {_runs}.run_key AND s.lease_owner IS NOT NULL AND s.lease_expires_at > @now)
                    ORDER BY run_key COLLATE "C"
                    FOR UPDATE SKIP LOCKED
                    """,
                    ("cutoff", Pg.Utc(endedBefore)),
                    ("running", nameof(RunStatus.Running)),
                    ("now", Now())))
                await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        keys.Add(reader.GetString(0));
                    }
                }

                foreach (var key in keys)
                {
                    await DeleteRunChildrenAsync(connection, key, cancellationToken).ConfigureAwait(false);
                    await DeleteRunHistoryAsync(connection, key, cancellationToken).ConfigureAwait(false);
                    await ExecuteAsync(connection, $"DELETE FROM {_runs} WHERE run_key = @k", cancellationToken, ("k", key)).ConfigureAwait(false);
                }

                return keys;
            },
            cancellationToken);

    // Deletes everything that belongs to one run, except the run row.
    private Task<int> DeleteRunChildrenAsync(NpgsqlConnection connection, string runKey, CancellationToken cancellationToken) =>
        ExecuteAsync(
            connection,
            $"""
            DELETE FROM {_planPartitions} WHERE run_key = @k;
            DELETE FROM {_plans} WHERE run_key = @k;
            DELETE FROM {_states} WHERE run_key = @k;
            DELETE FROM {_checkpoints} WHERE run_key = @k;
            DELETE FROM {_stages} WHERE run_key = @k;
            DELETE FROM {_errors} WHERE run_key = @k;
            DELETE FROM {_effects} WHERE run_key = @k;
            """,
            cancellationToken,
            ("k", runKey));

    private Task<int> ConfirmAsync(NpgsqlConnection connection, string runKey, string key, CancellationToken cancellationToken) =>
        ExecuteAsync(
            connection,
            $"UPDATE {_effects} SET status = @status, confirmed_at = coalesce(confirmed_at, @now) WHERE run_key = @k AND effect_key = @key",
            cancellationToken,
            ("status", Confirmed),
            ("now", Now()),
            ("k", runKey),
            ("key", key));
}
