namespace BatchKit.Cli.Tests;

/// <summary>The commands that change a store, each on its own copy of the fixture's store; each change is followed by a real run of the job.</summary>
public abstract class ChangeCommandTests(StoreFixture fixture)
{
    [Fact]
    public async Task Resolve_NotHappened_ReleasesTheEffectAndTheNextRunCompletes()
    {
        var store = await fixture.CopyStoreAsync();
        var run = fixture.ErrorRun.RunKey.ShortValue;
        var key = (await store.RunAsync("in-doubt", run, "--json")).Json[0].GetProperty("key").GetString()!;

        var missingFlag = await store.RunAsync("resolve", run, key);
        var unknownKey = await store.RunAsync("resolve", run, "no-such-key", "--happened");
        var resolved = await store.RunAsync("resolve", run, key, "--not-happened");

        missingFlag.ExitCode.Should().Be(2, missingFlag.ToString());
        missingFlag.Error.Should().Contain("exactly one of --happened or --not-happened");
        unknownKey.ExitCode.Should().Be(7, unknownKey.ToString());
        resolved.ExitCode.Should().Be(0, resolved.ToString());
        resolved.Output.Should().Contain($"Released '{key}'").And.Contain("No effect of the run").And.Contain("date=2026-11-21");
        (await store.RunAsync("in-doubt", run, "--json")).Json.GetArrayLength().Should().Be(0);

        await using (var state = store.Open())
        {
            var again = await new JobRunner(fixture.Build(state, invalid: true, doubtOn: -1, failFrom: long.MaxValue)).RunAsync(StoreFixture.WithErrors);
            again.Status.Should().Be(RunStatus.Completed);
            again.InDoubt.Should().Be(0);
        }

        var shown = await store.RunAsync("run", "show", run, "--json");
        shown.Json.GetProperty("run").GetProperty("status").GetString().Should().Be("Completed");
        shown.Json.GetProperty("attempts").GetArrayLength().Should().Be(2, "the first attempt and the one after the resolution");
    }

    [Fact]
    public async Task Resolve_Happened_ConfirmsTheEffect()
    {
        var store = await fixture.CopyStoreAsync();
        var run = fixture.ErrorRun.RunKey.Value;
        var key = (await store.RunAsync("in-doubt", run, "--json")).Json[0].GetProperty("key").GetString()!;

        var resolved = await store.RunAsync("resolve", run, key, "--happened", "--json");

        resolved.ExitCode.Should().Be(0, resolved.ToString());
        resolved.Json.GetProperty("resolution").GetString().Should().Be("happened");
        resolved.Json.GetProperty("remainingInDoubt").GetInt32().Should().Be(0);
    }

    [Fact]
    public async Task Cancel_RunNotCompleted_CancelsIt_ARerunStaysCancelledUntilResumed()
    {
        var store = await fixture.CopyStoreAsync();
        var run = fixture.FailedRun.RunKey.ShortValue;

        var cancelled = await store.RunAsync("cancel", run, "--json");
        var again = await store.RunAsync("cancel", run);

        cancelled.ExitCode.Should().Be(0, cancelled.ToString());
        cancelled.Json.GetProperty("status").GetString().Should().Be("Cancelled");
        cancelled.Json.GetProperty("alreadyCancelled").GetBoolean().Should().BeFalse();
        cancelled.Json.GetProperty("cancelRequestedBy").GetString().Should().StartWith("batchkit-cli/");
        again.ExitCode.Should().Be(0, again.ToString());
        again.Output.Should().Contain("was already cancelled by batchkit-cli/").And.Contain("nothing changed");
        var shown = await store.RunAsync("run", "show", run, "--json");
        shown.Json.GetProperty("run").GetProperty("status").GetString().Should().Be("Cancelled");

        await using (var state = store.Open())
        {
            var job = fixture.Build(state, invalid: false, doubtOn: -1, failFrom: long.MaxValue);
            var plain = await new JobRunner(job).RunAsync(StoreFixture.WithFailure);
            plain.Status.Should().Be(RunStatus.Cancelled, "a cancelled run is resumed only when asked to");
            plain.PartitionsProcessed.Should().Be(0);
            plain.Exception.Should().BeOfType<RunCancelledException>().Which.Message.Should().Contain("batchkit-cli/");

            var resumed = await new JobRunner(job).RunAsync(StoreFixture.WithFailure, new RunOptions { ResumeCancelled = true });
            resumed.Status.Should().Be(RunStatus.Completed);
            resumed.PartitionsProcessed.Should().Be(1, "the failed partition is retried, the completed ones are kept");
            resumed.RecordsWritten.Should().Be(300);
            var record = (await state.GetRunAsync(fixture.FailedRun.RunKey.Value, default))!;
            record.CancelRequestedAt.Should().BeNull("the resume cleared the request");
        }
    }

    [Fact]
    public async Task Cancel_CompletedRun_IsRefusedWithConflictAndChangesNothing()
    {
        var store = await fixture.CopyStoreAsync();
        var run = fixture.CleanRun.RunKey.ShortValue;

        var refused = await store.RunAsync("cancel", run);
        var unknown = await store.RunAsync("cancel", "ffffffffffff");

        refused.ExitCode.Should().Be(7, refused.ToString());
        refused.Error.Should().Contain("is Completed").And.Contain("a completed run cannot be cancelled");
        unknown.ExitCode.Should().Be(6, unknown.ToString());
        var shown = await store.RunAsync("run", "show", run, "--json");
        shown.Json.GetProperty("run").GetProperty("status").GetString().Should().Be("Completed");
    }

    [Fact]
    public async Task RetryFailed_MarksFailedPartitionsPending_AndTheNextRunCompletesThem()
    {
        var store = await fixture.CopyStoreAsync();
        var run = fixture.FailedRun.RunKey.ShortValue;

        var noFlag = await store.RunAsync("retry", run);
        var retried = await store.RunAsync("retry", run, "--failed");
        var again = await store.RunAsync("retry", run, "--failed");

        noFlag.ExitCode.Should().Be(2, noFlag.ToString());
        retried.ExitCode.Should().Be(0, retried.ToString());
        retried.Output.Should().Contain("Marked 1 failed partition(s)").And.Contain("rows-0002");
        again.Output.Should().Contain("has no failed partitions; nothing changed");
        var partitions = (await store.RunAsync("partitions", run, "--json")).Json.EnumerateArray().ToList();
        partitions.Select(p => p.GetProperty("status").GetString()).Should().Equal("Completed", "Completed", "Pending");

        await using (var state = store.Open())
        {
            // The cause is fixed (no order fails any more); only the pending partition is processed.
            var rerun = await new JobRunner(fixture.Build(state, invalid: false, doubtOn: -1, failFrom: long.MaxValue)).RunAsync(StoreFixture.WithFailure);
            rerun.Status.Should().Be(RunStatus.Completed);
            rerun.PartitionsProcessed.Should().Be(1);
            rerun.RecordsWritten.Should().Be(300);
        }

        var after = (await store.RunAsync("partitions", run, "--json")).Json.EnumerateArray().ToList();
        after.Should().OnlyContain(p => p.GetProperty("status").GetString() == "Completed");
        after[2].GetProperty("attempts").GetInt32().Should().Be(2);
    }

    [Fact]
    public async Task Cleanup_DryRunListsAndDeletesNothing_ThenDeletesEndedRuns()
    {
        var store = await fixture.CopyStoreAsync();

        (await store.CountAsync("run_attempts")).Should().BeGreaterThan(0, "the runs have history to clean up");
        (await store.CountAsync("sla_results")).Should().BeGreaterThan(0);
        var young = await store.RunAsync("cleanup", "--older-than", "7d");
        var dry = await store.RunAsync("cleanup", "--older-than", "0s", "--dry-run", "--json");
        var countAfterDry = (await store.RunAsync("runs", "--json")).Json.GetArrayLength();
        var real = await store.RunAsync("cleanup", "--older-than", "0s");
        var left = await store.RunAsync("runs");
        var bad = await store.RunAsync("cleanup", "--older-than", "soon");

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

        foreach (var table in new[] { "run_attempts", "partition_attempts", "sla_results", "error_records", "effects", "checkpoints", "partition_states" })
        {
            (await store.CountAsync(table)).Should().Be(0, $"cleanup removes {table} with the runs");
        }
    }
}
