using BatchKit.Shared;

namespace BatchKit;

/// <summary>Configures a <see cref="SqliteCheckpointStore"/>.</summary>
public sealed class SqliteCheckpointStoreOptions
{
    /// <summary>
    /// Gets or sets a value indicating whether every commit is flushed to disk (<c>PRAGMA synchronous = FULL</c>)
    /// rather than at WAL checkpoints (<c>NORMAL</c>).
    /// </summary>
    /// <value>The default value is <see langword="false"/>: a committed chunk survives a process crash, and the last
    /// commits before a power loss may roll back (the job then replays them from the previous checkpoint).</value>
    public bool SynchronousFull { get; set; }

    /// <summary>Gets or sets how long a write waits for another process that holds the database file's write lock.</summary>
    /// <value>The default value is 10 seconds.</value>
    [DurationAtLeast("00:00:00.001")]
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
