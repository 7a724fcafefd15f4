using Microsoft.Data.Sqlite;

namespace BatchKit.Hosting;

/// <summary>
/// An <see cref="IScheduleStateStore"/> in a SQLite file (by default <c>&lt;state file&gt;.schedule.db</c> beside the
/// <see cref="SqliteCheckpointStore"/>'s file), shared safely by every host process on the machine.
/// </summary>
/// <remarks>Thread-safe: each call opens its own connection; claims are one conditional statement.</remarks>
public sealed class SqliteScheduleStateStore : IScheduleStateStore
{
    private readonly string _connectionString;
    private readonly Lock _lock = new();
    private Task? _created;

    /// <summary>Initializes a new instance of the <see cref="SqliteScheduleStateStore"/> class.</summary>
    /// <param name="path">The SQLite file; created with its folder if missing.</param>
    public SqliteScheduleStateStore(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = Path, Pooling = false, DefaultTimeout = 30 }.ToString();
    }

    /// <summary>Gets the full path of the SQLite file.</summary>
    public string Path { get; }

    /// <summary>Gets the schedule file that belongs to a state file: <c>&lt;state file&gt;.schedule.db</c>.</summary>
    /// <param name="statePath">The state file of the <see cref="SqliteCheckpointStore"/>.</param>
    /// <returns>The path of the schedule file.</returns>
    public static string BesideState(string statePath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(statePath);
        return statePath + ".schedule.db";
    }

    /// <inheritdoc/>
    public async ValueTask<DateTimeOffset?> GetLastOccurrenceAsync(string jobName, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobName);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT last_occurrence_ms FROM batchkit_schedule WHERE job_name = $job";
        command.Parameters.AddWithValue("$job", jobName);
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is long ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
    }

    /// <inheritdoc/>
    public async ValueTask<bool> TryClaimAsync(string jobName, DateTimeOffset occurrence, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobName);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO batchkit_schedule (job_name, last_occurrence_ms) VALUES ($job, $ms)
            ON CONFLICT (job_name) DO UPDATE SET last_occurrence_ms = excluded.last_occurrence_ms
            WHERE batchkit_schedule.last_occurrence_ms < excluded.last_occurrence_ms
            """;
        command.Parameters.AddWithValue("$job", jobName);
        command.Parameters.AddWithValue("$ms", occurrence.ToUnixTimeMilliseconds());
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    private Task EnsureCreatedAsync()
    {
        lock (_lock)
        {
            if (_created is null || _created.IsFaulted || _created.IsCanceled)
            {
                _created = CreateAsync();
            }

            return _created;
        }
    }

    private async Task CreateAsync()
    {
        var folder = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        await using var setup = new SqliteConnection(_connectionString);
        await setup.OpenAsync().ConfigureAwait(false);
        await using var command = setup.CreateCommand();
        command.CommandText = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS batchkit_schedule (job_name TEXT PRIMARY KEY NOT NULL, last_occurrence_ms INTEGER NOT NULL);
            """;
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
