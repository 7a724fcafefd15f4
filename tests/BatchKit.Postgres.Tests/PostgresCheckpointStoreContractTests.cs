using BatchKit.Testing;

namespace BatchKit.Postgres.Tests;

/// <summary>The state store contract (the same tests the SQLite and in-memory stores pass), against the real server.</summary>
public sealed class PostgresCheckpointStoreContractTests : CheckpointStoreContract, IAsyncLifetime
{
    private readonly TestSchema _schema = TestSchema.Create("bk_contract");

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _schema.DisposeAsync().AsTask();

    protected override ICheckpointStore CreateStore(TimeProvider timeProvider) =>
        new PostgresCheckpointStore(new PostgresCheckpointStoreOptions { DataSource = _schema.DataSource, Schema = _schema.Name }, timeProvider);
}
