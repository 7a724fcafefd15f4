namespace BatchKit.Cli.Tests;

/// <summary>The read command tests against the fixture's runs in a PostgreSQL schema.</summary>
public sealed class PostgresReadCommandTests(PostgresStoreFixture fixture) : ReadCommandTests(fixture), IClassFixture<PostgresStoreFixture>;
