using Npgsql;

namespace BatchKit.Cli.Tests;

/// <summary>Exit codes and messages when a PostgreSQL store is not what the user meant: the server, the database, the schema, the run.</summary>
public sealed class PostgresFailureTests(PostgresStoreFixture fixture) : IClassFixture<PostgresStoreFixture>
{
    private const string Password = "s3cret-Pa55";

    [Theory]
    [InlineData("Host=127.0.0.1;Port=1;Database=warehouse;Username=batch;Password=" + Password + ";Timeout=3")]
    [InlineData("postgresql://batch:" + Password + "@127.0.0.1:1/warehouse?connect_timeout=3")]
    public async Task UnreachableServer_Exits8NamingTheServerButNotThePassword(string connectionString)
    {
        var result = await Cli.RunAsync("runs", "--store", connectionString);

        result.ExitCode.Should().Be(8, result.ToString());
        result.Error.Should().Contain("127.0.0.1:1/warehouse").And.Contain("could not be reached").And.Contain("schema 'batchkit'");
        result.ToString().Should().NotContain(Password);
    }

    [Fact]
    public async Task MissingSchema_Exits3_AndTheToolCreatesNothing()
    {
        var schema = fixture.Schemas.NewName("bk_cli_missing");

        var result = await fixture.Schemas.Store(schema).RunAsync("runs");

        result.ExitCode.Should().Be(3, result.ToString());
        result.Error.Should().Contain($"no BatchKit state store in the schema '{schema}'").And.Contain("does not exist").And.Contain("--schema");
        (await SchemaExistsAsync(schema)).Should().BeFalse("the tool never creates a store");
    }

    [Fact]
    public async Task MissingDatabase_Exits3()
    {
        var builder = new NpgsqlConnectionStringBuilder(PostgresSchemas.ConnectionString) { Database = "bk_no_such_database" };

        var result = await Cli.RunAsync("runs", "--store", builder.ConnectionString);

        result.ExitCode.Should().Be(3, result.ToString());
        result.Error.Should().Contain("/bk_no_such_database").And.Contain("has no such database");
    }

    [Fact]
    public async Task NewerSchemaVersion_Exits4AndSaysSo_AndChangesNothing()
    {
        var store = await fixture.CopyStoreAsync();
        var schema = store.Args[3];
        await fixture.Schemas.ExecuteAsync($"UPDATE \"{schema}\".schema_version SET version = 99");

        var result = await store.RunAsync("runs");

        result.ExitCode.Should().Be(4, result.ToString());
        result.Error.Should().Contain("schema version 99").And.Contain("upgrade BatchKit").And.Contain(schema);
        (await fixture.Schemas.CountAsync(schema, "runs")).Should().Be(3);
    }

    [Fact]
    public async Task SchemaVersion2_IsUpgradedOnOpen_AndItsRunsAreShownWithoutAttempts()
    {
        var store = await fixture.CopyStoreAsync();
        var schema = store.Args[3];
        await fixture.Schemas.ExecuteAsync($"DROP TABLE \"{schema}\".run_attempts, \"{schema}\".partition_attempts, \"{schema}\".sla_results, \"{schema}\".run_notifications; ALTER TABLE \"{schema}\".runs DROP COLUMN cancel_requested_at, DROP COLUMN cancel_requested_by; UPDATE \"{schema}\".schema_version SET version = 2");

        var runs = await store.RunAsync("runs", "--json");
        var shown = await store.RunAsync("run", "show", fixture.CleanRun.RunKey.ShortValue, "--json");

        runs.ExitCode.Should().Be(0, runs.ToString());
        runs.Json.GetArrayLength().Should().Be(3);
        shown.ExitCode.Should().Be(0, shown.ToString());
        shown.Json.GetProperty("run").GetProperty("status").GetString().Should().Be("Completed");
        shown.Json.GetProperty("attempts").GetArrayLength().Should().Be(0, "runs from before the history have no attempt records");
        (await fixture.Schemas.CountAsync(schema, "run_attempts")).Should().Be(0);
        (await fixture.Schemas.CountAsync(schema, "schema_version")).Should().Be(1);
    }

    [Fact]
    public async Task SchemaOfAnotherApplication_Exits4()
    {
        var schema = fixture.Schemas.NewName("bk_cli_foreign");
        await fixture.Schemas.ExecuteAsync($"CREATE SCHEMA \"{schema}\"; CREATE TABLE \"{schema}\".invoices (id int)");

        var result = await fixture.Schemas.Store(schema).RunAsync("runs");

        result.ExitCode.Should().Be(4, result.ToString());
        result.Error.Should().Contain("is not a BatchKit state store").And.Contain("invoices");
    }

    [Fact]
    public async Task UnknownRun_Exits6()
    {
        var result = await fixture.Store.RunAsync("run", "show", "ffffffffffff");

        result.ExitCode.Should().Be(6, result.ToString());
        result.Error.Should().Contain("No run with the id 'ffffffffffff'").And.Contain("batchkit runs");
    }

    [Fact]
    public async Task MalformedConnectionString_Exits5WithoutRepeatingIt()
    {
        var result = await Cli.RunAsync("runs", "--store", "Host=db;Password=" + Password + ";Bogus Key=1");

        result.ExitCode.Should().Be(5, result.ToString());
        result.Error.Should().Contain("malformed").And.Contain("not repeated here");
        result.ToString().Should().NotContain(Password);
    }

    [Fact]
    public async Task UriForm_AndTheEnvironmentVariables_OpenTheSameStore()
    {
        var keywords = new NpgsqlConnectionStringBuilder(PostgresSchemas.ConnectionString);
        var uri = $"postgresql://{Uri.EscapeDataString(keywords.Username!)}@{keywords.Host}:{keywords.Port}/{Uri.EscapeDataString(keywords.Database!)}?application_name=batchkit-cli-test";

        var fromUri = await fixture.Schemas.Store(fixture.SchemaName, uri).RunAsync("runs", "--json");
        var fromEnvironment = await Cli.RunWithEnvironmentAsync(
            name => name switch { "BATCHKIT_STORE" => uri, "BATCHKIT_SCHEMA" => fixture.SchemaName, _ => null },
            "runs",
            "--json");

        fromUri.ExitCode.Should().Be(0, fromUri.ToString());
        fromUri.Json.EnumerateArray().Select(r => r.GetProperty("runKey").GetString()).Should().Equal(
            fixture.FailedRun.RunKey.Value, fixture.ErrorRun.RunKey.Value, fixture.CleanRun.RunKey.Value);
        fromEnvironment.ExitCode.Should().Be(0, fromEnvironment.ToString());
        fromEnvironment.Json.GetArrayLength().Should().Be(3);
    }

    [Fact]
    public async Task SchemaWithASqliteFile_Exits2()
    {
        var result = await Cli.RunAsync("runs", "--store", Path.Combine(fixture.Root, "state.db"), "--schema", "batchkit");

        result.ExitCode.Should().Be(2, result.ToString());
        result.Error.Should().Contain("--schema applies to a PostgreSQL store only");
    }

    private async Task<bool> SchemaExistsAsync(string schema)
    {
        await using var command = fixture.Schemas.DataSource.CreateCommand("SELECT count(*) FROM information_schema.schemata WHERE schema_name = @s");
        command.Parameters.AddWithValue("s", schema);
        return Convert.ToInt64(await command.ExecuteScalarAsync()) > 0;
    }
}
