namespace BatchKit.Cli.Tests;

/// <summary>The change command tests against the fixture's runs in a PostgreSQL schema.</summary>
public sealed class PostgresChangeCommandTests(PostgresStoreFixture fixture) : ChangeCommandTests(fixture), IClassFixture<PostgresStoreFixture>;
