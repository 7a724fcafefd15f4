using BatchKit.Tests.Support;

namespace BatchKit.Postgres.Tests;

/// <summary>
/// A run shared by two worker processes through the PostgreSQL store is cancelled mid-run from a third process (this
/// one, through <see cref="RunMaintenance.CancelRunAsync"/>): both workers stop at a chunk boundary and hand their
/// partitions back, the run stays cancelled for a worker that does not resume explicitly, and a resumed run's output
/// equals a clean run's.
/// </summary>
public sealed class PostgresCancelProcessTests : IAsyncLifetime
{
    private readonly TestSchema _schema = TestSchema.Create("bk_cancel");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _schema.ExecuteAsync($"DROP SCHEMA IF EXISTS \"{_schema.Name}_clean\" CASCADE");
        await _schema.DisposeAsync();
    }

    [Fact]
    public async Task CancelRunAsync_TwoWorkerProcessesMidRun_BothStopCancelledAndReleaseTheirPartitions_AResumedRunEqualsACleanRun()
    {
        using var dir = new TempDirectory();
        Items.WriteJsonLines(dir.File("in"), files: 6, perFile: 1_500);
        string[] Args(string output, string schema, params string[] extra) =>
            ["worker", "--store", "postgres:" + _schema.ConnectionString, "--pg-schema", schema, "--input", dir.File("in"), "--output", dir.File(output), "--commit", "50", "--slow-ms", "150", "--parallel", "1", "--lease-s", "5", .. extra];
        var clean = await TestHostProcess.RunAsync(Args("clean", _schema.Name + "_clean"));
        clean.ExitCode.Should().Be(0, clean.Output + clean.Error);

        var workers = new[] { TestHostProcess.Start(Args("out", _schema.Name, "--worker-index", "0", "--worker-count", "2")), TestHostProcess.Start(Args("out", _schema.Name, "--worker-index", "1", "--worker-count", "2")) };
        var outputs = workers.Select(w => (Out: w.StandardOutput.ReadToEndAsync(), Err: w.StandardError.ReadToEndAsync())).ToArray();
        await using var store = new PostgresCheckpointStore(new PostgresCheckpointStoreOptions { DataSource = _schema.DataSource, Schema = _schema.Name });
        try
        {
            // Cancel once both workers hold a partition and have committed some of it.
            string? runKey = null;
            for (var i = 0; i < 1200 && runKey is null; i++)
            {
                runKey = await BothCommittedAsync(store, workers[0].Id, workers[1].Id);
                await Task.Delay(50);
            }

            runKey.Should().NotBeNull("both workers committed part of a partition within a minute");
            var cancelled = await RunMaintenance.CancelRunAsync(store, runKey!, "operator-pg");
            cancelled.Status.Should().Be(RunStatus.Cancelled);
            var watch = System.Diagnostics.Stopwatch.StartNew();
            for (var i = 0; i < 2; i++)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                await workers[i].WaitForExitAsync(timeout.Token);
                var text = await outputs[i].Out + await outputs[i].Err;
                workers[i].ExitCode.Should().Be(1, text);
                text.Should().Contain("status=Cancelled").And.Contain("operator-pg");
            }

            watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30), "both workers stop at their next chunk boundary, not at the end of their partitions");
            var run = (await store.GetRunAsync(runKey!, default))!;
            run.Status.Should().Be(RunStatus.Cancelled);
            run.CancelRequestedBy.Should().Be("operator-pg");
            var states = await store.GetPartitionStatesAsync(runKey!, default);
            states.Should().OnlyContain(s => s.LeaseOwner == null && (s.Status == PartitionStatus.Pending || s.Status == PartitionStatus.Completed), "every worker handed its partitions back");
            states.Should().Contain(s => s.Status == PartitionStatus.Pending, "the run was cancelled before it finished");

            var plain = await TestHostProcess.RunAsync(Args("out", _schema.Name));
            plain.ExitCode.Should().Be(1, plain.Output + plain.Error);
            plain.Output.Should().Contain("status=Cancelled").And.Contain("processed=0");

            var resumed = await TestHostProcess.RunAsync(Args("out", _schema.Name, "--resume-cancelled", "1"));
            resumed.ExitCode.Should().Be(0, resumed.Output + resumed.Error);
            resumed.Output.Should().Contain("status=Completed");
        }
        finally
        {
            foreach (var worker in workers.Where(w => !w.HasExited))
            {
                worker.Kill(entireProcessTree: true);
            }
        }

        Items.ReadOutput(dir.File("out")).OrderBy(d => d.Id).Should().Equal(Items.ReadOutput(dir.File("clean")).OrderBy(d => d.Id));
        (await _schema.RowsAsync($"SELECT status, cancel_requested_at IS NULL FROM \"{_schema.Name}\".runs")).Should().Equal("Completed|True");
        (await _schema.ScalarAsync<long>($"SELECT count(*) FROM \"{_schema.Name}\".run_attempts WHERE status = 'Cancelled'"))
            .Should().BeGreaterThanOrEqualTo(2, "the history records each worker's cancelled attempt");
    }

    private static async Task<string?> BothCommittedAsync(PostgresCheckpointStore store, int first, int second)
    {
        var runs = await store.ListRunsAsync("testhost-worker", 1, default);
        if (runs.Count == 0)
        {
            return null;
        }

        var runKey = runs[0].RunKey;
        var states = await store.GetPartitionStatesAsync(runKey, default);
        return await HoldsCommittedAsync(first) && await HoldsCommittedAsync(second) ? runKey : null;

        async Task<bool> HoldsCommittedAsync(int pid)
        {
            foreach (var held in states.Where(s => s.LeaseOwner?.Contains($"/{pid}/", StringComparison.Ordinal) == true))
            {
                if (await store.GetCheckpointAsync(runKey, held.PartitionId, default) is { RecordsWritten: > 0 })
                {
                    return true;
                }
            }

            return false;
        }
    }
}
