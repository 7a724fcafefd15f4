using System.Text.Json;

namespace BatchKit.Cli.Tests;

/// <summary>The commands that read a store, against the fixture's runs; derived classes give the store (SQLite, PostgreSQL).</summary>
public abstract class ReadCommandTests(StoreFixture fixture)
{
    [Fact]
    public void Fixture_RealRuns_EndAsExpected()
    {
        fixture.CleanRun.Status.Should().Be(RunStatus.Completed);
        fixture.ErrorRun.Status.Should().Be(RunStatus.CompletedWithDoubts);
        fixture.ErrorRun.Errors.Should().Be(5);
        fixture.ErrorRun.InDoubt.Should().Be(1);
        fixture.FailedRun.Status.Should().Be(RunStatus.Failed);
    }

    [Fact]
    public async Task Runs_Table_ListsEveryRunNewestFirst()
    {
        var result = await fixture.Store.RunAsync("runs");

        result.ExitCode.Should().Be(0, result.ToString());
        var lines = result.Output.Split('\n');
        lines.Should().Contain(l => l.Contains("Run") && l.Contains("Status") && l.Contains("Duration") && l.Contains("In doubt"));
        var failed = Array.FindIndex(lines, l => l.Contains(fixture.FailedRun.RunKey.ShortValue));
        var doubts = Array.FindIndex(lines, l => l.Contains(fixture.ErrorRun.RunKey.ShortValue));
        var clean = Array.FindIndex(lines, l => l.Contains(fixture.CleanRun.RunKey.ShortValue));
        failed.Should().BePositive();
        failed.Should().BeLessThan(doubts);
        doubts.Should().BeLessThan(clean);
        lines[failed].Should().Contain("Failed").And.Contain("date=2026-11-22").And.Contain("2/3 (1 failed)");
        lines[doubts].Should().Contain("CompletedWithDoubts").And.Contain("300").And.Contain("294").And.Contain("3/3");
        lines[clean].Should().Contain("Completed").And.Contain("300");
    }

    [Fact]
    public async Task Runs_Json_CarriesCountsStatusesAndOwner()
    {
        var result = await fixture.Store.RunAsync("runs", "--job", "orders", "--last", "2", "--json");

        result.ExitCode.Should().Be(0, result.ToString());
        var runs = result.Json.EnumerateArray().ToList();
        runs.Should().HaveCount(2);
        runs[0].GetProperty("runKey").GetString().Should().Be(fixture.FailedRun.RunKey.Value);
        runs[0].GetProperty("status").GetString().Should().Be("Failed");
        runs[0].GetProperty("partitionsFailed").GetInt32().Should().Be(1);
        runs[1].GetProperty("status").GetString().Should().Be("CompletedWithDoubts");
        runs[1].GetProperty("recordsRead").GetInt64().Should().Be(300);
        runs[1].GetProperty("recordsWritten").GetInt64().Should().Be(294);
        runs[1].GetProperty("errors").GetInt64().Should().Be(5);
        runs[1].GetProperty("inDoubt").GetInt64().Should().Be(1);
        runs[1].GetProperty("owner").GetString().Should().StartWith(Environment.MachineName + "/" + Environment.ProcessId + "/");
        runs[1].GetProperty("duration").GetString().Should().NotBeNullOrEmpty();
    }

    [Fact]
    public async Task RunShow_Prefix_ShowsAttemptsAndSlaResults()
    {
        var prefix = fixture.CleanRun.RunKey.Value[..8];
        var table = await fixture.Store.RunAsync("run", "show", prefix);
        var json = await fixture.Store.RunAsync("run", "show", prefix, "--json");

        table.ExitCode.Should().Be(0, table.ToString());
        table.Output.Should().Contain(fixture.CleanRun.RunKey.Value).And.Contain("date=2026-11-20").And.Contain("300 read, 300 written, 0 errors, 0 in doubt");
        table.Output.Should().Contain("Process").And.Contain(Environment.MachineName + "/" + Environment.ProcessId);
        table.Output.Should().Contain("completeness").And.Contain("min-records").And.Contain("availability");
        json.ExitCode.Should().Be(0, json.ToString());
        var attempts = json.Json.GetProperty("attempts").EnumerateArray().ToList();
        attempts.Should().ContainSingle();
        attempts[0].GetProperty("status").GetString().Should().Be("Completed");
        attempts[0].GetProperty("partitionsProcessed").GetInt32().Should().Be(3);
        attempts[0].GetProperty("endedAt").GetString().Should().NotBeNull();
        var sla = json.Json.GetProperty("run").GetProperty("slaResults").EnumerateArray().ToList();
        sla.Select(r => r.GetProperty("objective").GetString()).Should().Equal("completeness", "min-records", "error-rate", "duration", "pending-partitions", "availability");
        sla.Should().OnlyContain(r => r.GetProperty("passed").GetBoolean());
    }

    [Fact]
    public async Task Partitions_StateFailed_ShowsOnlyTheFailedPartitionWithItsError()
    {
        var run = fixture.FailedRun.RunKey.Value[..10];
        var table = await fixture.Store.RunAsync("partitions", run, "--state", "failed");
        var json = await fixture.Store.RunAsync("partitions", run, "--json");

        table.ExitCode.Should().Be(0, table.ToString());
        table.Output.Should().Contain("Failed").And.Contain("order 250 cannot be priced").And.NotContain("Completed");
        var partitions = json.Json.EnumerateArray().ToList();
        partitions.Should().HaveCount(3);
        partitions.Select(p => p.GetProperty("status").GetString()).Should().Equal("Completed", "Completed", "Failed");
        partitions[2].GetProperty("attempts").GetInt32().Should().Be(1, "a non-transient failure is not attempted again");
        partitions[0].GetProperty("recordsWritten").GetInt64().Should().Be(100);
        partitions[0].GetProperty("startedAt").GetString().Should().NotBeNull();
        partitions[0].GetProperty("endedAt").GetString().Should().NotBeNull();
        partitions[0].GetProperty("owner").GetString().Should().StartWith(Environment.MachineName + "/");
    }

    [Fact]
    public async Task Errors_ReasonAndLimit_ShowPayloads()
    {
        var run = fixture.ErrorRun.RunKey.Value;
        var all = await fixture.Store.RunAsync("errors", run, "--json");
        var filtered = await fixture.Store.RunAsync("errors", run, "--reason", "-30 is", "--json");
        var limited = await fixture.Store.RunAsync("errors", run, "--limit", "2");

        all.ExitCode.Should().Be(0, all.ToString());
        var records = all.Json.EnumerateArray().ToList();
        records.Select(r => r.GetProperty("offset").GetInt64()).Should().Equal(9, 19, 29, 39, 49);
        records[0].GetProperty("rawPayload").GetString().Should().Contain("\"Id\":10").And.Contain("-10");
        records[0].GetProperty("reason").GetString().Should().Be("amount -10 is negative");
        records[0].GetProperty("step").GetString().Should().Be("validate");
        filtered.Json.EnumerateArray().Should().ContainSingle().Which.GetProperty("offset").GetInt64().Should().Be(29);
        limited.ExitCode.Should().Be(0);
        limited.Output.Should().Contain("amount -10 is negative").And.Contain("\"Id\":20").And.NotContain("amount -30");
        limited.Output.Should().Contain("the first 2; raise --limit for more");
    }

    [Fact]
    public async Task InDoubt_ListsTheEffectWhoseOutcomeIsUnknown()
    {
        var table = await fixture.Store.RunAsync("in-doubt", fixture.ErrorRun.RunKey.ShortValue);
        var json = await fixture.Store.RunAsync("in-doubt", fixture.ErrorRun.RunKey.ShortValue, "--json");

        table.ExitCode.Should().Be(0, table.ToString());
        var effect = json.Json.EnumerateArray().Should().ContainSingle().Subject;
        effect.GetProperty("partitionId").GetString().Should().Be("rows-0001", "order 142 is in the second row range");
        var key = effect.GetProperty("key").GetString()!;
        key.Should().NotBeNullOrEmpty();
        table.Output.Should().Contain(key).And.Contain("rows-0001").And.Contain("1 effect(s) in doubt");
    }

    [Fact]
    public async Task Sla_Job_ShowsLastRunResultsAndAvailability()
    {
        var table = await fixture.Store.RunAsync("sla", "orders");
        var json = await fixture.Store.RunAsync("sla", "orders", "--json");

        table.ExitCode.Should().Be(0, table.ToString());
        table.Output.Should().Contain(fixture.FailedRun.RunKey.ShortValue).And.Contain("pending-partitions").And.Contain("no");
        table.Output.Should().Contain("Availability over the last 30 day(s): 33.33% (1 of 3 run(s) completed)");
        var results = json.Json.GetProperty("results").EnumerateArray().ToList();
        results.Select(r => r.GetProperty("objective").GetString()).Should().Equal("min-records", "error-rate", "duration", "pending-partitions", "availability");
        results.Single(r => r.GetProperty("objective").GetString() == "pending-partitions").GetProperty("passed").GetBoolean().Should().BeFalse();
        results.Single(r => r.GetProperty("objective").GetString() == "availability").GetProperty("passed").GetBoolean().Should().BeFalse();
        json.Json.GetProperty("availability").GetProperty("runs").GetInt32().Should().Be(3);
        json.Json.GetProperty("availability").GetProperty("completed").GetInt32().Should().Be(1);
    }

    [Fact]
    public async Task Trend_Job_ChartsEveryEndedRun()
    {
        var table = await fixture.Store.RunAsync("trend", "orders");
        var json = await fixture.Store.RunAsync("trend", "orders", "--json");

        table.ExitCode.Should().Be(0, table.ToString());
        table.Output.Should().Contain("orders: duration of the last 3 run(s), seconds").And.Contain("date=2026-11-20").And.Contain("date=2026-11-22").And.Contain("records/s");
        var points = json.Json.EnumerateArray().ToList();
        points.Select(p => p.GetProperty("parameters").GetString()).Should().Equal("date=2026-11-20", "date=2026-11-21", "date=2026-11-22");
        points.Should().OnlyContain(p => p.GetProperty("durationSeconds").GetDouble() > 0);
    }

    [Fact]
    public async Task Alerts_MissedObjectives_AreRaisedToTheSink()
    {
        lock (fixture.Alerts)
        {
            fixture.Alerts.Should().Contain(a => a.RunKey == fixture.FailedRun.RunKey && a.Result.Objective == SlaObjective.PendingPartitions);
            fixture.Alerts.Should().Contain(a => a.RunKey == fixture.ErrorRun.RunKey && a.Result.Objective == SlaObjective.Completeness,
                "5 of 300 records (1.7%) missing is past a 0.1% tolerance");
            fixture.Alerts.Should().NotContain(a => a.RunKey == fixture.CleanRun.RunKey);
        }

        await Task.CompletedTask;
    }
}
