using Microsoft.Data.Sqlite;

namespace BatchKit.Cli.Tests;

/// <summary>Exit codes and messages when the store or the run is not what the user meant.</summary>
public sealed class FailureTests(SqliteStoreFixture fixture) : IClassFixture<SqliteStoreFixture>
{
    [Fact]
    public async Task MissingFile_Exits3AndNamesTheFile()
    {
        var path = Path.Combine(fixture.Root, "nope", "state.db");

        var result = await Cli.RunAsync("runs", "--store", path);

        result.ExitCode.Should().Be(3, result.ToString());
        result.Error.Should().Contain(path).And.Contain("does not exist");
        File.Exists(path).Should().BeFalse("the tool never creates a store");
    }

    [Fact]
    public async Task NewerSchemaVersion_Exits4AndSaysSo()
    {
        var store = fixture.CopyStore();
        using (var connection = new SqliteConnection($"Data Source={store};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 99;";
            command.ExecuteNonQuery();
        }

        var result = await Cli.RunAsync("runs", "--store", store);

        result.ExitCode.Should().Be(4, result.ToString());
        result.Error.Should().Contain("schema version 99").And.Contain("upgrade BatchKit");
    }

    [Fact]
    public async Task ForeignSqliteFile_Exits4()
    {
        var path = Path.Combine(fixture.Root, "other-" + Guid.NewGuid().ToString("N") + ".db");
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE invoices (id INTEGER);";
            command.ExecuteNonQuery();
        }

        var result = await Cli.RunAsync("runs", "--store", path);

        result.ExitCode.Should().Be(4, result.ToString());
        result.Error.Should().Contain("is not a BatchKit state store").And.Contain("invoices");
    }

    [Fact]
    public async Task UnknownRun_Exits6()
    {
        var result = await Cli.RunAsync("partitions", "ffffffffffff", "--store", fixture.StorePath);

        result.ExitCode.Should().Be(6, result.ToString());
        result.Error.Should().Contain("No run with the id 'ffffffffffff'").And.Contain("batchkit runs");
    }

    [Fact]
    public async Task AmbiguousPrefix_Exits6AndListsTheMatches()
    {
        // Two dates whose RunKeys share their first character (16 hex digits: among 17 dates two always do).
        var dates = Enumerable.Range(1, 17).Select(d => RunParameters.Of("date", new DateOnly(2025, 1, d))).ToList();
        var pair = dates.GroupBy(d => new RunKey("orders", d).Value[0]).First(g => g.Count() > 1).Take(2).ToList();
        var store = fixture.CopyStore();
        await using (var state = new SqliteCheckpointStore(store))
        {
            foreach (var parameters in pair)
            {
                (await new JobRunner(fixture.Build(state, invalid: false, doubtOn: -1, failFrom: long.MaxValue)).RunAsync(parameters)).Status.Should().Be(RunStatus.Completed);
            }
        }

        var prefix = new RunKey("orders", pair[0]).Value[..1];
        var ambiguous = await Cli.RunAsync("run", "show", prefix, "--store", store);
        var empty = await Cli.RunAsync("run", "show", " ", "--store", store);

        ambiguous.ExitCode.Should().Be(6, ambiguous.ToString());
        ambiguous.Error.Should().Contain($"The run id '{prefix}' matches").And.Contain("give more characters").And.Contain(pair[0].ToString()).And.Contain(pair[1].ToString());
        empty.ExitCode.Should().Be(2, empty.ToString());
    }

    [Fact]
    public async Task NoStore_Exits2_AndTheEnvironmentVariableIsTheDefault()
    {
        var none = await Cli.RunAsync("runs");
        var fromEnvironment = await Cli.RunWithEnvironmentAsync(name => name == "BATCHKIT_STORE" ? fixture.StorePath : null, "runs", "--json");

        none.ExitCode.Should().Be(2, none.ToString());
        none.Error.Should().Contain("--store").And.Contain("BATCHKIT_STORE");
        fromEnvironment.ExitCode.Should().Be(0, fromEnvironment.ToString());
        fromEnvironment.Json.GetArrayLength().Should().Be(3);
    }

    [Fact]
    public async Task UnknownCommandOrOption_Exits2()
    {
        var command = await Cli.RunAsync("explode", "--store", fixture.StorePath);
        var option = await Cli.RunAsync("runs", "--colour", "--store", fixture.StorePath);

        command.ExitCode.Should().Be(2, command.ToString());
        option.ExitCode.Should().Be(2, option.ToString());
        option.Error.Should().Contain("--colour");
    }
}
