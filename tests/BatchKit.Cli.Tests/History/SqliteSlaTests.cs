using Microsoft.Data.Sqlite;

namespace BatchKit.Cli.Tests.History;

/// <summary>The SLA tests against SQLite state files.</summary>
public sealed class SqliteSlaTests : SlaTests
{
    public override Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        return base.DisposeAsync();
    }

    protected override CliStore NewStore(string name) => SqliteStoreFixture.For(Path.Combine(Root, name + ".db"));
}
