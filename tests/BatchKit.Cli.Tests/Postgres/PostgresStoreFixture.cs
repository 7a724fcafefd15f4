namespace BatchKit.Cli.Tests;

/// <summary>The fixture's runs in a PostgreSQL schema of their own (dropped after the tests, with every copy).</summary>
public sealed class PostgresStoreFixture : StoreFixture
{
    private readonly PostgresSchemas _schemas = new();

    public PostgresStoreFixture() => SchemaName = _schemas.NewName("bk_cli");

    public string SchemaName { get; }

    public PostgresSchemas Schemas => _schemas;

    public override CliStore Store => _schemas.Store(SchemaName);

    public override async Task<CliStore> CopyStoreAsync() => _schemas.Store(await _schemas.CopyAsync(SchemaName));

    public override async Task DisposeAsync()
    {
        await _schemas.DisposeAsync();
        await base.DisposeAsync();
    }
}
