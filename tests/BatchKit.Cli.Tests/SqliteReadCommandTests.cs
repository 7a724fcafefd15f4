namespace BatchKit.Cli.Tests;

/// <summary>The read command tests against the fixture's runs in a SQLite state file.</summary>
public sealed class SqliteReadCommandTests(SqliteStoreFixture fixture) : ReadCommandTests(fixture), IClassFixture<SqliteStoreFixture>;
