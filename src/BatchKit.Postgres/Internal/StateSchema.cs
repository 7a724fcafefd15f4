using System.Globalization;
using Npgsql;

namespace BatchKit.Postgres.Internal;

/// <summary>
/// Creates and upgrades the tables of a <see cref="PostgresCheckpointStore"/> in its schema. The version is kept in the
/// schema's <c>schema_version</c> table; each migration moves it up by one, and all pending ones apply in one
/// transaction under an advisory lock, so processes that open the store at once migrate it once.
/// </summary>
/// <remarks>Every table name is qualified with the quoted schema (<c>{0}</c> in the migration text).</remarks>
internal static class StateSchema
{
    /// <summary>The tables of schema version 1: a schema without a version table that holds any other table belongs to another application.</summary>
    public static readonly string[] OwnTables = ["runs", "partition_plans", "plan_partitions", "partition_states", "checkpoints", "stages", "error_records", "effects"];

    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE {0}.runs (
            run_key          text        NOT NULL PRIMARY KEY,
            seq              bigserial   NOT NULL,
            job_name         text        NOT NULL,
            parameters       text        NOT NULL,
            status           text        NOT NULL,
            started_at       timestamptz NOT NULL,
            ended_at         timestamptz,
            attempts         integer     NOT NULL,
            last_error       text,
            lease_owner      text,
            lease_epoch      bigint      NOT NULL,
            lease_expires_at timestamptz);
        CREATE INDEX ix_runs_job_started ON {0}.runs (job_name, started_at);
        CREATE INDEX ix_runs_ended ON {0}.runs (ended_at);

        CREATE TABLE {0}.partition_plans (
            run_key         text        NOT NULL PRIMARY KEY,
            fingerprint     text        NOT NULL,
            definition      text        NOT NULL,
            partition_count integer     NOT NULL,
            created_at      timestamptz NOT NULL);

        CREATE TABLE {0}.plan_partitions (
            run_key         text    NOT NULL,
            position        integer NOT NULL,
            partition_index integer NOT NULL,
            partition_id    text    NOT NULL,
            descriptor      text    NOT NULL,
            input_identity  text,
            PRIMARY KEY (run_key, position),
            UNIQUE (run_key, partition_id));

        CREATE TABLE {0}.partition_states (
            run_key      text        NOT NULL,
            partition_id text        NOT NULL,
            status       text        NOT NULL,
            attempts     integer     NOT NULL,
            last_error   text,
            updated_at   timestamptz NOT NULL,
            PRIMARY KEY (run_key, partition_id));

        CREATE TABLE {0}.checkpoints (
            run_key         text        NOT NULL,
            partition_id    text        NOT NULL,
            step            text        NOT NULL,
            source_position bigint      NOT NULL,
            records_read    bigint      NOT NULL,
            records_written bigint      NOT NULL,
            error_count     bigint      NOT NULL,
            sink_position   bigint      NOT NULL,
            in_doubt_count  bigint      NOT NULL DEFAULT 0,
            updated_at      timestamptz NOT NULL,
            PRIMARY KEY (run_key, partition_id));

        CREATE TABLE {0}.stages (
            run_key      text        NOT NULL,
            stage        text        NOT NULL,
            completed_at timestamptz NOT NULL,
            PRIMARY KEY (run_key, stage));

        CREATE TABLE {0}.error_records (
            id                bigserial   PRIMARY KEY,
            run_key           text        NOT NULL,
            partition_id      text        NOT NULL,
            step              text        NOT NULL,
            record_offset     bigint      NOT NULL,
            raw_payload       text        NOT NULL,
            reason            text        NOT NULL,
            exception_type    text,
            exception_message text,
            occurred_at       timestamptz NOT NULL,
            UNIQUE (run_key, partition_id, step, record_offset));
        CREATE INDEX ix_error_records_reason ON {0}.error_records (run_key, reason);

        CREATE TABLE {0}.effects (
            run_key      text        NOT NULL,
            effect_key   text        NOT NULL,
            partition_id text        NOT NULL,
            status       text        NOT NULL,
            claimed_at   timestamptz NOT NULL,
            confirmed_at timestamptz,
            PRIMARY KEY (run_key, effect_key));
        CREATE INDEX ix_effects_status ON {0}.effects (run_key, status);
        """,
        // Partition leases: each partition carries its own lease (owner, epoch, expiry); the plan records its claim
        // barrier; the run keeps the highest partition epoch of plans it reset. Existing partitions start at their
        // run's last epoch, so fences that sinks recorded under the run lease keep refusing older writers.
        """
        ALTER TABLE {0}.partition_states
            ADD COLUMN lease_owner text,
            ADD COLUMN lease_epoch bigint NOT NULL DEFAULT 0,
            ADD COLUMN lease_expires_at timestamptz;
        ALTER TABLE {0}.partition_plans ADD COLUMN barrier integer NOT NULL DEFAULT 0;
        ALTER TABLE {0}.runs ADD COLUMN partition_epoch_floor bigint NOT NULL DEFAULT 0;
        UPDATE {0}.partition_states s SET lease_epoch = r.lease_epoch FROM {0}.runs r WHERE r.run_key = s.run_key;
        UPDATE {0}.runs SET partition_epoch_floor = lease_epoch;
        UPDATE {0}.partition_plans pl SET barrier = (SELECT count(*) FROM {0}.plan_partitions p WHERE p.run_key = pl.run_key AND p.partition_id LIKE 'extract-%');
        CREATE INDEX ix_partition_states_claim ON {0}.partition_states (run_key, status, lease_expires_at);
        """,
        // Run history: one row per run attempt (keyed by owner) and per partition attempt, and the SLA results of each
        // run attempt. Attempt records are facts, not state: they carry no lease and no foreign key to the run.
        """
        CREATE TABLE {0}.run_attempts (
            run_key         text        NOT NULL,
            owner           text        NOT NULL,
            attempt         integer     NOT NULL,
            epoch           bigint      NOT NULL,
            started_at      timestamptz NOT NULL,
            ended_at        timestamptz,
            status          text        NOT NULL,
            partitions      integer     NOT NULL,
            processed       integer     NOT NULL,
            records_read    bigint      NOT NULL,
            records_written bigint      NOT NULL,
            error_count     bigint      NOT NULL,
            in_doubt_count  bigint      NOT NULL,
            error           text,
            PRIMARY KEY (run_key, owner));
        CREATE INDEX ix_run_attempts_started ON {0}.run_attempts (run_key, started_at);

        CREATE TABLE {0}.partition_attempts (
            run_key         text        NOT NULL,
            partition_id    text        NOT NULL,
            owner           text        NOT NULL,
            attempt         integer     NOT NULL,
            epoch           bigint      NOT NULL,
            started_at      timestamptz NOT NULL,
            ended_at        timestamptz,
            status          text        NOT NULL,
            records_read    bigint      NOT NULL,
            records_written bigint      NOT NULL,
            error_count     bigint      NOT NULL,
            in_doubt_count  bigint      NOT NULL,
            error           text,
            PRIMARY KEY (run_key, partition_id, owner, attempt));

        CREATE TABLE {0}.sla_results (
            run_key   text             NOT NULL,
            owner     text             NOT NULL,
            position  integer          NOT NULL,
            objective text             NOT NULL,
            target    double precision NOT NULL,
            actual    double precision,
            passed    boolean          NOT NULL,
            gate      boolean          NOT NULL,
            detail    text             NOT NULL,
            PRIMARY KEY (run_key, owner, position));
        """,
        // Run completion notifications: one per run, pending until delivered_at is set; deleted with the run.
        """
        CREATE TABLE {0}.run_notifications (
            run_key      text        NOT NULL PRIMARY KEY REFERENCES {0}.runs (run_key) ON DELETE CASCADE,
            event_id     text        NOT NULL,
            payload      text        NOT NULL,
            created_at   timestamptz NOT NULL,
            delivered_at timestamptz,
            attempts     integer     NOT NULL,
            last_error   text);
        """,
        // Cancellation requests: a person asked for the run to stop (RunMaintenance.CancelRunAsync); claims refuse its
        // partitions and workers stop at their next chunk boundary until a rerun clears the request.
        """
        ALTER TABLE {0}.runs ADD COLUMN IF NOT EXISTS cancel_requested_at timestamptz;
        ALTER TABLE {0}.runs ADD COLUMN IF NOT EXISTS cancel_requested_by text;
        """,
        // Late-arriving data: how many partitions a run attempt reprocessed because their input changed after the run completed.
        """
        ALTER TABLE {0}.run_attempts ADD COLUMN reconciled integer NOT NULL DEFAULT 0;
        """,
    ];

    /// <summary>Gets the schema version this code creates and understands.</summary>
    public static int CurrentVersion => Migrations.Length;

    /// <summary>Creates the schema and applies the pending migrations.</summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="schema">The schema name, unquoted.</param>
    /// <param name="server">The server, for messages.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <exception cref="BatchKitException">The schema belongs to another application, or has a newer version than this code knows.</exception>
    public static async Task MigrateAsync(NpgsqlConnection connection, string schema, string server, CancellationToken cancellationToken)
    {
        var quoted = Pg.Quote(schema);

        // A schema already current needs no lock: processes that start together (a fleet of workers) do not queue on it.
        await using (var exists = Pg.Command(connection, "SELECT to_regclass(@t) IS NOT NULL", ("t", quoted + ".schema_version")))
        {
            if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true)
            {
                await using var current = Pg.Command(connection, $"SELECT version FROM {quoted}.schema_version");
                if (await current.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is int found && found == CurrentVersion)
                {
                    return;
                }
            }
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var lockCommand = Pg.Command(connection, "SELECT pg_advisory_xact_lock(hashtext(@name))", ("name", "batchkit-state-schema:" + schema)))
        {
            await lockCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var tables = await TablesAsync(connection, schema, cancellationToken).ConfigureAwait(false);
        int version;
        if (tables.Contains("schema_version"))
        {
            await using var read = Pg.Command(connection, $"SELECT version FROM {quoted}.schema_version");
            version = Convert.ToInt32(await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) ?? 0, CultureInfo.InvariantCulture);
        }
        else
        {
            if (tables.Count > 0)
            {
                var foreign = tables.Where(t => Array.IndexOf(OwnTables, t) < 0).ToList();
                throw new BatchKitException(
                    $"The PostgreSQL schema '{schema}' on {server} is not a BatchKit state store: it holds tables ({string.Join(", ", foreign.Count > 0 ? foreign : tables)}) "
                    + "but no BatchKit schema version. It probably belongs to another application; it was left unchanged. Give the state store a schema of its own (PostgresCheckpointStoreOptions.Schema).");
            }

            await using var create = Pg.Command(connection, $"CREATE SCHEMA IF NOT EXISTS {quoted}; CREATE TABLE {quoted}.schema_version (version integer NOT NULL); INSERT INTO {quoted}.schema_version VALUES (0);");
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            version = 0;
        }

        if (version > CurrentVersion)
        {
            throw new BatchKitException(
                $"The PostgreSQL state store in schema '{schema}' on {server} has schema version {version.ToString(CultureInfo.InvariantCulture)}, but this version of BatchKit "
                + $"understands schema versions up to {CurrentVersion.ToString(CultureInfo.InvariantCulture)}. It was written by a newer BatchKit: upgrade BatchKit to use it, or use another schema.");
        }

        for (var next = version; next < CurrentVersion; next++)
        {
            await using var migrate = Pg.Command(connection, string.Format(CultureInfo.InvariantCulture, Migrations[next], quoted));
            await migrate.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        if (version != CurrentVersion)
        {
            await using var stamp = Pg.Command(connection, $"UPDATE {quoted}.schema_version SET version = @v", ("v", CurrentVersion));
            await stamp.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<HashSet<string>> TablesAsync(NpgsqlConnection connection, string schema, CancellationToken cancellationToken)
    {
        await using var command = Pg.Command(connection, "SELECT table_name FROM information_schema.tables WHERE table_schema = @s ORDER BY table_name", ("s", schema));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var tables = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            tables.Add(reader.GetString(0));
        }

        return tables;
    }
}
