using System.Globalization;
using Microsoft.Data.Sqlite;

namespace BatchKit;

/// <summary>
/// Creates and upgrades the schema of a <see cref="SqliteCheckpointStore"/> file. The schema version is kept in
/// <c>PRAGMA user_version</c>; each migration moves it up by one, and all pending ones apply in one transaction.
/// </summary>
/// <remarks>Timestamps are unix milliseconds (UTC); statuses are the enum member names.</remarks>
internal static class SqliteSchema
{
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE runs (
            run_key          TEXT    NOT NULL PRIMARY KEY,
            job_name         TEXT    NOT NULL,
            parameters       TEXT    NOT NULL,
            status           TEXT    NOT NULL,
            started_at       INTEGER NOT NULL,
            ended_at         INTEGER,
            attempts         INTEGER NOT NULL,
            last_error       TEXT,
            lease_owner      TEXT,
            lease_epoch      INTEGER NOT NULL,
            lease_expires_at INTEGER);
        CREATE INDEX ix_runs_job_started ON runs (job_name, started_at);
        CREATE INDEX ix_runs_ended ON runs (ended_at);

        CREATE TABLE partition_plans (
            run_key         TEXT    NOT NULL PRIMARY KEY,
            fingerprint     TEXT    NOT NULL,
            partition_count INTEGER NOT NULL,
            created_at      INTEGER NOT NULL);

        CREATE TABLE plan_partitions (
            run_key         TEXT    NOT NULL,
            position        INTEGER NOT NULL,
            partition_index INTEGER NOT NULL,
            partition_id    TEXT    NOT NULL,
            descriptor      TEXT    NOT NULL,
            PRIMARY KEY (run_key, position),
            UNIQUE (run_key, partition_id));

        CREATE TABLE partition_states (
            run_key      TEXT    NOT NULL,
            partition_id TEXT    NOT NULL,
            status       TEXT    NOT NULL,
            attempts     INTEGER NOT NULL,
            last_error   TEXT,
            updated_at   INTEGER NOT NULL,
            PRIMARY KEY (run_key, partition_id));

        CREATE TABLE checkpoints (
            run_key         TEXT    NOT NULL,
            partition_id    TEXT    NOT NULL,
            step            TEXT    NOT NULL,
            source_position INTEGER NOT NULL,
            records_read    INTEGER NOT NULL,
            records_written INTEGER NOT NULL,
            error_count     INTEGER NOT NULL,
            sink_position   INTEGER NOT NULL,
            updated_at      INTEGER NOT NULL,
            PRIMARY KEY (run_key, partition_id));

        CREATE TABLE stages (
            run_key      TEXT    NOT NULL,
            stage        TEXT    NOT NULL,
            completed_at INTEGER NOT NULL,
            PRIMARY KEY (run_key, stage));

        CREATE TABLE error_records (
            id                INTEGER PRIMARY KEY,
            run_key           TEXT    NOT NULL,
            partition_id      TEXT    NOT NULL,
            step              TEXT    NOT NULL,
            record_offset     INTEGER NOT NULL,
            raw_payload       TEXT    NOT NULL,
            reason            TEXT    NOT NULL,
            exception_type    TEXT,
            exception_message TEXT,
            occurred_at       INTEGER NOT NULL,
            UNIQUE (run_key, partition_id, step, record_offset));
        CREATE INDEX ix_error_records_partition ON error_records (run_key, partition_id, record_offset);
        CREATE INDEX ix_error_records_reason ON error_records (run_key, reason);

        CREATE TABLE effects (
            run_key      TEXT    NOT NULL,
            effect_key   TEXT    NOT NULL,
            partition_id TEXT    NOT NULL,
            status       TEXT    NOT NULL,
            claimed_at   INTEGER NOT NULL,
            confirmed_at INTEGER,
            PRIMARY KEY (run_key, effect_key));
        CREATE INDEX ix_effects_status ON effects (run_key, status);
        """,
        """
        ALTER TABLE partition_plans ADD COLUMN definition TEXT NOT NULL DEFAULT '';
        ALTER TABLE plan_partitions ADD COLUMN input_identity TEXT;
        """,
        """
        ALTER TABLE checkpoints ADD COLUMN in_doubt_count INTEGER NOT NULL DEFAULT 0;
        """,
        """
        CREATE TABLE run_attempts (
            run_key         TEXT    NOT NULL,
            owner           TEXT    NOT NULL,
            attempt         INTEGER NOT NULL,
            epoch           INTEGER NOT NULL,
            started_at      INTEGER NOT NULL,
            ended_at        INTEGER,
            status          TEXT    NOT NULL,
            partitions      INTEGER NOT NULL,
            processed       INTEGER NOT NULL,
            records_read    INTEGER NOT NULL,
            records_written INTEGER NOT NULL,
            error_count     INTEGER NOT NULL,
            in_doubt_count  INTEGER NOT NULL,
            error           TEXT,
            PRIMARY KEY (run_key, owner));
        CREATE INDEX ix_run_attempts_started ON run_attempts (run_key, started_at);

        CREATE TABLE partition_attempts (
            run_key         TEXT    NOT NULL,
            partition_id    TEXT    NOT NULL,
            owner           TEXT    NOT NULL,
            attempt         INTEGER NOT NULL,
            epoch           INTEGER NOT NULL,
            started_at      INTEGER NOT NULL,
            ended_at        INTEGER,
            status          TEXT    NOT NULL,
            records_read    INTEGER NOT NULL,
            records_written INTEGER NOT NULL,
            error_count     INTEGER NOT NULL,
            in_doubt_count  INTEGER NOT NULL,
            error           TEXT,
            PRIMARY KEY (run_key, partition_id, owner, attempt));

        CREATE TABLE sla_results (
            run_key      TEXT    NOT NULL,
            owner        TEXT    NOT NULL,
            position     INTEGER NOT NULL,
            objective    TEXT    NOT NULL,
            target       REAL    NOT NULL,
            actual       REAL,
            passed       INTEGER NOT NULL,
            gate         INTEGER NOT NULL,
            detail       TEXT    NOT NULL,
            PRIMARY KEY (run_key, owner, position));
        """,
        // Migration 5 — partition leases: each partition carries its own lease (owner, epoch, expiry); the plan records its claim
        // barrier; the run keeps the highest partition epoch of plans it reset. Existing partitions start at their run's
        // last epoch, so fences that sinks recorded under the run lease keep refusing older writers.
        """
        ALTER TABLE partition_states ADD COLUMN lease_owner TEXT;
        ALTER TABLE partition_states ADD COLUMN lease_epoch INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE partition_states ADD COLUMN lease_expires_at INTEGER;
        ALTER TABLE partition_plans ADD COLUMN barrier INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE runs ADD COLUMN partition_epoch_floor INTEGER NOT NULL DEFAULT 0;
        UPDATE partition_states SET lease_epoch = coalesce((SELECT lease_epoch FROM runs r WHERE r.run_key = partition_states.run_key), 0);
        UPDATE runs SET partition_epoch_floor = lease_epoch;
        UPDATE partition_plans SET barrier = (SELECT count(*) FROM plan_partitions p WHERE p.run_key = partition_plans.run_key AND p.partition_id LIKE 'extract-%');
        CREATE INDEX ix_partition_states_claim ON partition_states (run_key, status, lease_expires_at);
        """,
        // Migration 6 — run completion notifications: one per run, pending until delivered_at is set.
        """
        CREATE TABLE run_notifications (
            run_key      TEXT    NOT NULL PRIMARY KEY,
            event_id     TEXT    NOT NULL,
            payload      TEXT    NOT NULL,
            created_at   INTEGER NOT NULL,
            delivered_at INTEGER,
            attempts     INTEGER NOT NULL,
            last_error   TEXT);
        """,
        // Migration 7 — cancellation requests: a person asked for the run to stop (RunMaintenance.CancelRunAsync); claims
        // refuse its partitions and workers stop at their next chunk boundary until a rerun clears the request.
        """
        ALTER TABLE runs ADD COLUMN cancel_requested_at INTEGER;
        ALTER TABLE runs ADD COLUMN cancel_requested_by TEXT;
        """,
        // Migration 8 — late-arriving data: how many partitions a run attempt reprocessed because their input changed after the run completed.
        """
        ALTER TABLE run_attempts ADD COLUMN reconciled INTEGER NOT NULL DEFAULT 0;
        """,
    ];

    // The tables of schema version 1: a file at version 0 that holds any other table belongs to another application.
    private static readonly string[] OwnTables = ["runs", "partition_plans", "plan_partitions", "partition_states", "checkpoints", "stages", "error_records", "effects"];

    /// <summary>Gets the schema version this code creates and understands.</summary>
    public static int CurrentVersion => Migrations.Length;

    /// <summary>Applies the pending migrations of a database file.</summary>
    /// <param name="connection">An open connection to the file.</param>
    /// <param name="path">The file path, for messages.</param>
    /// <exception cref="BatchKitException">The file has a newer schema than this code knows.</exception>
    public static void Migrate(SqliteConnection connection, string path)
    {
        if (ReadVersion(connection, null, path) == CurrentVersion)
        {
            return;
        }

        using var transaction = connection.BeginTransaction(deferred: false);
        var version = ReadVersion(connection, transaction, path);
        if (version == 0)
        {
            ThrowIfForeign(connection, transaction, path);
        }

        for (var next = version; next < CurrentVersion; next++)
        {
            using var migrate = connection.CreateCommand();
            migrate.Transaction = transaction;
            migrate.CommandText = Migrations[next];
            migrate.ExecuteNonQuery();
        }

        using var stamp = connection.CreateCommand();
        stamp.Transaction = transaction;
        stamp.CommandText = VersionStatement;
        stamp.ExecuteNonQuery();
        transaction.Commit();
    }

    // PRAGMA takes no parameters: the statement is built once from the constant migration count.
    private static string VersionStatement => "PRAGMA user_version = " + CurrentVersion.ToString(CultureInfo.InvariantCulture) + ";";

    /// <summary>Refuses a file at schema version 0 that already holds tables: it is another application's database, not a new store.</summary>
    private static void ThrowIfForeign(SqliteConnection connection, SqliteTransaction transaction, string path)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name;";
        var tables = new List<string>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                tables.Add(reader.GetString(0));
            }
        }

        if (tables.Count == 0)
        {
            return;
        }

        var foreign = tables.Where(t => Array.IndexOf(OwnTables, t) < 0).ToList();
        throw new BatchKitException(
            $"The file '{path}' is not a BatchKit state store: it is a SQLite database with tables ({string.Join(", ", foreign.Count > 0 ? foreign : tables)}) "
            + "but no BatchKit schema version. It probably belongs to another application; it was left unchanged. Give the state store a file of its own.");
    }

    private static int ReadVersion(SqliteConnection connection, SqliteTransaction? transaction, string path)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "PRAGMA user_version;";
        var version = Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        if (version > CurrentVersion)
        {
            throw new BatchKitException(
                $"The state store file '{path}' has schema version {version.ToString(CultureInfo.InvariantCulture)}, but this version of BatchKit "
                + $"understands schema versions up to {CurrentVersion.ToString(CultureInfo.InvariantCulture)}. It was written by a newer BatchKit: "
                + "upgrade BatchKit to open it, or use another file.");
        }

        return version;
    }
}
