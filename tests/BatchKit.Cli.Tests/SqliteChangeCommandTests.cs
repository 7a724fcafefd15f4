namespace BatchKit.Cli.Tests;

/// <summary>The change command tests against the fixture's runs in a SQLite state file.</summary>
public sealed class SqliteChangeCommandTests(SqliteStoreFixture fixture) : ChangeCommandTests(fixture), IClassFixture<SqliteStoreFixture>;
