using BatchKit.Shared;
using Npgsql;

namespace BatchKit.Postgres;

/// <summary>Configures a <see cref="PostgresSink{T}"/>.</summary>
public sealed class PostgresSinkOptions
{
    /// <summary>Gets or sets the data source the sink writes through; it stays owned by the caller.</summary>
    /// <value>The default value is <see langword="null"/>: <see cref="ConnectionString"/> is used instead.</value>
    public NpgsqlDataSource? DataSource { get; set; }

    /// <summary>Gets or sets the Npgsql connection string, used when <see cref="DataSource"/> is not set; the sink then owns its data source.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? ConnectionString { get; set; }

    /// <summary>Gets or sets how writes are made idempotent.</summary>
    /// <value>The default value is <see cref="WriteDisposition.Upsert"/>, which needs a key on the mapping.</value>
    public WriteDisposition Disposition { get; set; } = WriteDisposition.Upsert;

    /// <summary>Gets or sets the rows a partition owns in the target, for <see cref="WriteDisposition.ReplacePartition"/> (required there).</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public Func<SinkContext, PostgresSlice>? Slice { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether the sink creates the target table when it is absent, from the mapping's
    /// property types (with the key as primary key, and for <see cref="WriteDisposition.Append"/> the guard columns).
    /// </summary>
    /// <value>The default value is <see langword="false"/>: the table must exist with the mapped columns.</value>
    public bool CreateTable { get; set; }

    /// <summary>Gets or sets how many connections the sink's writers of one job use at most at once; writers wait for a free one.</summary>
    /// <value>The default value is 10.</value>
    [Between(1, 1000)]
    public int MaxConnections { get; set; } = 10;

    /// <summary>
    /// Gets or sets a value indicating whether the sink writes each chunk's checkpoint in the transaction that merges
    /// the chunk, when the job's checkpoint store is a <see cref="PostgresCheckpointStore"/> on the same database: the
    /// same <see cref="NpgsqlDataSource"/>, or connection strings naming the same host, port, database and user name.
    /// The transaction then also checks the partition lease (owner and epoch) in the store, so a chunk and its
    /// checkpoint commit together or not at all: exactly once, not merely idempotent.
    /// </summary>
    /// <value>The default value is <see langword="true"/>. With <see langword="false"/>, or a store elsewhere, the checkpoint is a transaction of the store's own, after the chunk's.</value>
    public bool CommitCheckpointWithChunk { get; set; } = true;
}
