using BatchKit.Shared;
using Npgsql;

namespace BatchKit.Postgres;

/// <summary>Configures a <see cref="PostgresCheckpointStore"/>.</summary>
public sealed class PostgresCheckpointStoreOptions
{
    /// <summary>Gets or sets the data source the store connects through; it stays owned by the caller.</summary>
    /// <value>The default value is <see langword="null"/>: <see cref="ConnectionString"/> is used instead.</value>
    public NpgsqlDataSource? DataSource { get; set; }

    /// <summary>Gets or sets the Npgsql connection string, used when <see cref="DataSource"/> is not set; the store then owns its data source.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? ConnectionString { get; set; }

    /// <summary>Gets or sets the PostgreSQL schema that holds the store's tables; it is created when absent.</summary>
    /// <value>The default value is <c>batchkit</c>.</value>
    [RequiredText]
    public string Schema { get; set; } = "batchkit";

    /// <summary>
    /// Gets or sets how long a transaction of the store may sit idle (a process paused between two of its statements)
    /// before the server ends the session and rolls the transaction back, releasing its row locks
    /// (<c>idle_in_transaction_session_timeout</c>, set for each transaction); <see cref="TimeSpan.Zero"/> leaves the
    /// server's setting alone.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: the longest lease the store was asked to grant (at least a second), so a paused worker's locks last no longer than its lease.</value>
    [DurationAtLeast("00:00:00")]
    public TimeSpan? IdleInTransactionTimeout { get; set; }

    /// <summary>
    /// Gets or sets how many connections the store's calls use at most at once (claims, heartbeats, checkpoints of all
    /// the partitions of the jobs using this instance); further calls wait for a free one.
    /// </summary>
    /// <value>The default value is 10.</value>
    [Between(1, 1000)]
    public int MaxConnections { get; set; } = 10;
}
