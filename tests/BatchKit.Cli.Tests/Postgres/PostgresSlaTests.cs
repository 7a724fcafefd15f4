using BatchKit.Cli.Tests.History;

namespace BatchKit.Cli.Tests;

/// <summary>The SLA tests against PostgreSQL stores (a schema per store, dropped after the test).</summary>
public sealed class PostgresSlaTests : SlaTests
{
    private readonly PostgresSchemas _schemas = new();

    public override async Task DisposeAsync()
    {
        await _schemas.DisposeAsync();
        await base.DisposeAsync();
    }

    protected override CliStore NewStore(string name) => _schemas.Store(_schemas.NewName("bk_sla_" + name));
}
