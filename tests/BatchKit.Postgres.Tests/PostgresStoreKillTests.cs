using BatchKit.Tests.Support;

namespace BatchKit.Postgres.Tests;

/// <summary>A job process on the PostgreSQL store, killed with SIGKILL mid-run and run again, ends with a clean run's output.</summary>
public sealed class PostgresStoreKillTests : IAsyncLifetime
{
    private readonly TestSchema _schema = TestSchema.Create("bk_kill");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _schema.ExecuteAsync($"DROP SCHEMA IF EXISTS \"{_schema.Name}_clean\" CASCADE");
        await _schema.DisposeAsync();
    }

    [Fact]
    public async Task RunAsync_KilledThenRerun_ResumesFromPostgresCheckpointsAndMatchesCleanRun()
    {
        using var dir = new TempDirectory();
        Items.WriteJsonLines(dir.File("in"), files: 3, perFile: 1_500);
        string[] Args(string output, string schema) =>
            ["run", "--store", "postgres:" + _schema.ConnectionString, "--pg-schema", schema, "--input", dir.File("in"), "--output", dir.File(output), "--commit", "50", "--slow-ms", "100", "--lease-s", "5"];
        var clean = await TestHostProcess.RunAsync(Args("clean", _schema.Name + "_clean"));
        clean.ExitCode.Should().Be(0, clean.Output + clean.Error);

        using (var process = TestHostProcess.Start(Args("out", _schema.Name)))
        {
            for (var i = 0; i < 1200 && !await HasCheckpointsAsync(); i++)
            {
                await Task.Delay(50);
            }

            process.HasExited.Should().BeFalse("the run is still going when it is killed");
            process.Kill(entireProcessTree: true); // SIGKILL: no cleanup, no final checkpoint, the lease stays held
            await process.WaitForExitAsync();
        }

        var checkpointed = await _schema.ScalarAsync<long>($"SELECT coalesce(sum(records_read), 0) FROM \"{_schema.Name}\".checkpoints");
        var rerun = await TestHostProcess.RunAsync(Args("out", _schema.Name));

        rerun.ExitCode.Should().Be(0, rerun.Output + rerun.Error);
        checkpointed.Should().BeInRange(1, 4_499, "the killed run got part of the way");
        Items.ReadOutput(dir.File("out")).OrderBy(d => d.Id).Should().Equal(Items.ReadOutput(dir.File("clean")).OrderBy(d => d.Id));
        // Each join counts an attempt: the killed run (1) and the rerun (2); finalizing is not an attempt.
        (await _schema.RowsAsync($"SELECT status, attempts FROM \"{_schema.Name}\".runs")).Should().Equal("Completed|2");

        // The history keeps both attempts: the killed one as it was last recorded (running, never ended), and the rerun.
        (await _schema.RowsAsync($"SELECT status, ended_at IS NULL FROM \"{_schema.Name}\".run_attempts ORDER BY started_at"))
            .Should().Equal("Running|True", "Completed|False");
        (await _schema.ScalarAsync<long>($"SELECT count(DISTINCT owner) FROM \"{_schema.Name}\".run_attempts")).Should().Be(2);
        (await _schema.ScalarAsync<long>($"SELECT count(DISTINCT partition_id) FROM \"{_schema.Name}\".partition_attempts WHERE status = 'Completed'")).Should().Be(3);
        (await _schema.ScalarAsync<long>($"SELECT count(*) FROM \"{_schema.Name}\".partition_attempts WHERE status = 'Running' AND ended_at IS NULL"))
            .Should().BeGreaterThan(0, "the partitions the killed process was on stay recorded as it left them");
    }

    private async Task<bool> HasCheckpointsAsync()
    {
        var exists = await _schema.ScalarAsync<bool>($"SELECT to_regclass('\"{_schema.Name}\".checkpoints') IS NOT NULL");
        return exists && await _schema.ScalarAsync<long>($"SELECT count(*) FROM \"{_schema.Name}\".checkpoints WHERE records_read > 0") > 0;
    }
}
