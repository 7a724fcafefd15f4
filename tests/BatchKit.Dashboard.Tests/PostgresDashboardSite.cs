using BatchKit.Hosting;
using BatchKit.Postgres;
using Npgsql;

namespace BatchKit.Dashboard.Tests;

/// <summary>The dashboard site with its state in a PostgreSQL schema of its own (dropped after the tests).</summary>
public sealed class PostgresDashboardSite : DashboardSite
{
    private readonly NpgsqlDataSource _dataSource = NpgsqlDataSource.Create(BatchKit.Testing.Services.TestServices.PostgresConnectionString);

    public string Schema { get; } = "bk_dashboard_" + Guid.NewGuid().ToString("N")[..12];

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await using (var drop = _dataSource.CreateCommand($"DROP SCHEMA IF EXISTS \"{Schema}\" CASCADE"))
        {
            await drop.ExecuteNonQueryAsync();
        }

        await _dataSource.DisposeAsync();
    }

    protected override BatchKitBuilder UseStore(BatchKitBuilder builder) =>
        builder.UseStore(_ => new PostgresCheckpointStore(new PostgresCheckpointStoreOptions { DataSource = _dataSource, Schema = Schema }));
}
