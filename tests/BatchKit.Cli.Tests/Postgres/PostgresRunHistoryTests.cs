using BatchKit.Cli.Tests.History;

namespace BatchKit.Cli.Tests;

/// <summary>RunHistory over a PostgreSQL store (a schema per store, dropped after the test).</summary>
public sealed class PostgresRunHistoryTests : RunHistoryTests
{
    private readonly PostgresSchemas _schemas = new();

    public override async Task DisposeAsync()
    {
        await _schemas.DisposeAsync();
        await base.DisposeAsync();
    }

    protected override (ICheckpointStore Store, CliStore Cli) CreateStore(string name, TimeProvider? timeProvider)
    {
        var schema = _schemas.NewName("bk_history_" + name);
        return (_schemas.Open(schema, timeProvider), _schemas.Store(schema));
    }
}
