using Microsoft.Data.Sqlite;

namespace BatchKit.Cli.Tests;

/// <summary>The commands that change a store, each on its own copy of the fixture's state file; each change is followed by a real run of the job.</summary>
public sealed class ChangeCommandTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    [Fact]
    public async Task Resolve_NotHappened_ReleasesTheEffectAndTheNextRunCompletes()
    {
        var store = fixture.CopyStore();
        var run = fixture.ErrorRun.RunKey.ShortValue;
        var key = (await Cli.RunAsync("in-doubt", run, "--store", store, "--json")).Json[0].GetProperty("key").GetString()!;

        var missingFlag = await Cli.RunAsync("resolve", run, key, "--store", store);
        var unknownKey = await Cli.RunAsync("resolve", run, "no-such-key", "--happened", "--store", store);
        var resolved = await Cli.RunAsync("resolve", run, key, "--not-happened", "--store", store);

        missingFlag.ExitCode.Should().Be(2, missingFlag.ToString());
        missingFlag.Error.Should().Contain("exactly one of --happened or --not-happened");
        unknownKey.ExitCode.Should().Be(7, unknownKey.ToString());
        resolved.ExitCode.Should().Be(0, resolved.ToString());
        resolved.Output.Should().Contain($"Released '{key}'").And.Contain("No effect of the run").And.Contain("date=2026-11-21");
        (await Cli.RunAsync("in-doubt", run, "--store", store, "--json")).Json.GetArrayLength().Should().Be(0);

        await using (var state = new SqliteCheckpointStore(store))
        {
            var again = await new JobRunner(fixture.Build(state, invalid: true, doubtOn: -1, failFrom: long.MaxValue)).RunAsync(StoreFixture.WithErrors);
            again.Status.Should().Be(RunStatus.Completed);
            again.InDoubt.Should().Be(0);
        }

        var shown = await Cli.RunAsync("run", "show", run, "--store", store, "--json");
        shown.Json.GetProperty("run").GetProperty("status").GetString().Should().Be("Completed");
        shown.Json.GetProperty("attempts").GetArrayLength().Should().Be(2, "the first attempt and the one after the resolution");
    }

    [Fact]
    public async Task Resolve_Happened_ConfirmsTheEffect()
    {
        var store = fixture.CopyStore();
        var run = fixture.ErrorRun.RunKey.Value;
        var key = (await Cli.RunAsync("in-doubt", run, "--store", store, "--json")).Json[0].GetProperty("key").GetString()!;

        var resolved = await Cli.RunAsync("resolve", run, key, "--happened", "--store", store, "--json");

        resolved.ExitCode.Should().Be(0, resolved.ToString());
        resolved.Json.GetProperty("resolution").GetString().Should().Be("happened");
        resolved.Json.GetProperty("remainingInDoubt").GetInt32().Should().Be(0);
    }

    [Fact]
    public async Task RetryFailed_MarksFailedPartitionsPending_AndTheNextRunCompletesThem()
    {
        var store = fixture.CopyStore();
        var run = fixture.FailedRun.RunKey.ShortValue;

        var noFlag = await Cli.RunAsync("retry", run, "--store", store);
        var retried = await Cli.RunAsync("retry", run, "--failed", "--store", store);
        var again = await Cli.RunAsync("retry", run, "--failed", "--store", store);

        noFlag.ExitCode.Should().Be(2, noFlag.ToString());
        retried.ExitCode.Should().Be(0, retried.ToString());
        retried.Output.Should().Contain("Marked 1 failed partition(s)").And.Contain("rows-0002");
        again.Output.Should().Contain("has no failed partitions; nothing changed");
        var partitions = (await Cli.RunAsync("partitions", run, "--store", store, "--json")).Json.EnumerateArray().ToList();
        partitions.Select(p => p.GetProperty("status").GetString()).Should().Equal("Completed", "Completed", "Pending");

        await using (var state = new SqliteCheckpointStore(store))
        {
            // The cause is fixed (no order fails any more); only the pending partition is processed.
            var rerun = await new JobRunner(fixture.Build(state, invalid: false, doubtOn: -1, failFrom: long.MaxValue)).RunAsync(StoreFixture.WithFailure);
            rerun.Status.Should().Be(RunStatus.Completed);
            rerun.PartitionsProcessed.Should().Be(1);
            rerun.RecordsWritten.Should().Be(300);
        }

        var after = (await Cli.RunAsync("partitions", run, "--store", store, "--json")).Json.EnumerateArray().ToList();
        after.Should().OnlyContain(p => p.GetProperty("status").GetString() == "Completed");
        after[2].GetProperty("attempts").GetInt32().Should().Be(2);
    }

    [Fact]
    public async Task Cleanup_DryRunListsAndDeletesNothing_ThenDeletesEndedRuns()
    {
        var store = fixture.CopyStore();

        var young = await Cli.RunAsync("cleanup", "--older-than", "7d", "--store", store);
        var dry = await Cli.RunAsync("cleanup", "--older-than", "0s", "--dry-run", "--store", store, "--json");
        var countAfterDry = (await Cli.RunAsync("runs", "--store", store, "--json")).Json.GetArrayLength();
        var real = await Cli.RunAsync("cleanup", "--older-than", "0s", "--store", store);
        var left = await Cli.RunAsync("runs", "--store", store);
        var bad = await Cli.RunAsync("cleanup", "--older-than", "soon", "--store", store);

        young.ExitCode.Should().Be(0, young.ToString());
        young.Output.Should().Contain("nothing was deleted");
        dry.ExitCode.Should().Be(0, dry.ToString());
        dry.Json.GetProperty("dryRun").GetBoolean().Should().BeTrue();
        dry.Json.GetProperty("runs").GetArrayLength().Should().Be(3);
        countAfterDry.Should().Be(3);
        real.ExitCode.Should().Be(0, real.ToString());
        real.Output.Should().Contain("Deleted the state, history and staging files of 3 run(s)");
        left.Output.Should().Contain("No runs in the store.");
        bad.ExitCode.Should().Be(2);
        bad.Error.Should().Contain("--older-than 'soon' is not a duration");

        using var connection = new SqliteConnection($"Data Source={store};Pooling=False");
        connection.Open();
        foreach (var table in new[] { "run_attempts", "partition_attempts", "sla_results", "error_records", "effects" })
        {
            using var count = connection.CreateCommand();
            count.CommandText = $"SELECT count(*) FROM {table}";
            Convert.ToInt64(count.ExecuteScalar()).Should().Be(0, $"cleanup removes {table} with the runs");
        }
    }
}
