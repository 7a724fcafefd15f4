using System.Diagnostics;
using System.Globalization;
using BatchKit.Testing.Services;
using Xunit.Abstractions;

namespace BatchKit.Samples.Tests.Fleet;

/// <summary>
/// Several NightlyAnalytics <c>worker</c> processes share one run through PostgreSQL (state and warehouse in one
/// database of each test, staging in a shared folder), and one of them is killed, paused past its lease, or the server
/// is restarted under them. Each ends with exactly the warehouse of a clean single-process run.
/// </summary>
public sealed class NightlyFleetTests(FleetFixture fixture, ITestOutputHelper output) : IClassFixture<FleetFixture>
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromMinutes(4);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Workers_OneKilledAtARandomMoment_WarehouseEqualsCleanRun(int seed)
    {
        await using var db = await PgDatabase.CreateAsync(TestServices.PostgresConnectionString, "bk_fleet_kill");
        var args = Args(db, fixture.InputA, FleetFixture.DayA, fixture.Folder($"staging-kill-{seed}"), leaseSeconds: 5);
        var random = new Random(seed);
        var victimIndex = random.Next(3);

        // The moment is a point of progress (completed partitions, extract included), so it falls inside the run however loaded the machine is.
        var killAt = random.Next(0, 150);
        var workers = StartWorkers(3, args);
        try
        {
            await WaitForAsync(db, $"SELECT count(*) FROM batchkit.partition_states WHERE status = 'Completed'", killAt, workers);
            var victim = workers[victimIndex];
            victim.HasExited.Should().BeFalse($"the kill (seed {seed}, after {killAt} completed partitions) must interrupt a running worker");
            victim.KillHard();
            await victim.WaitAsync(ExitTimeout);
            output.WriteLine($"seed {seed}: killed worker {victimIndex} (pid {victim.Id}) after {killAt} completed partitions");

            // Kubernetes starts the failed index again: the new pod joins the run (or finds it completed).
            workers[victimIndex] = WorkerProcess.Start($"worker {victimIndex} (restarted)", victimIndex, 3, args);
            await ExpectAllSucceedAsync(workers);
        }
        finally
        {
            DisposeAll(workers);
        }

        FleetWarehouse.ShouldEqual(await FleetWarehouse.PostgresRows(db, FleetFixture.DayA), fixture.ReferenceA, $"seed {seed}");
        (await db.RowsAsync("SELECT status FROM batchkit.runs")).Should().Equal("Completed");
        (await db.ScalarAsync("SELECT count(*) FROM daily_aggregates__bk_stage")).Should().Be(0, "every staged row was published");
    }

    [Fact]
    public async Task Worker_PausedPastItsLease_OthersFinishAndItCommitsNothingWhenContinued()
    {
        await using var db = await PgDatabase.CreateAsync(TestServices.PostgresConnectionString, "bk_fleet_stop");
        var args = Args(db, fixture.InputA, FleetFixture.DayA, fixture.Folder("staging-stop"), leaseSeconds: 4);
        var workers = StartWorkers(3, args);
        try
        {
            var paused = workers[0];

            // Pause worker 0 while it holds an aggregating partition (one that writes to the warehouse).
            var holds = $"SELECT count(*) FROM batchkit.partition_states WHERE lease_owner LIKE '%/{paused.Id}/%' AND partition_id NOT LIKE 'extract-%' AND lease_expires_at > now()";
            await WaitForAsync(db, holds, 1, workers);
            paused.Pause();
            var held = await db.RowsAsync($"SELECT partition_id, lease_epoch FROM batchkit.partition_states WHERE lease_owner LIKE '%/{paused.Id}/%'");
            output.WriteLine($"paused worker 0 (pid {paused.Id}) holding {string.Join(", ", held)}");
            held.Should().NotBeEmpty();

            // The others take its partitions over once its leases expire, and complete the run while it sleeps.
            (await workers[1].WaitAsync(ExitTimeout)).Should().Be(0, workers[1].Output);
            (await workers[2].WaitAsync(ExitTimeout)).Should().Be(0, workers[2].Output);
            paused.HasExited.Should().BeFalse();
            FleetWarehouse.ShouldEqual(await FleetWarehouse.PostgresRows(db, FleetFixture.DayA), fixture.ReferenceA, "completed by the other workers");
            var before = await SnapshotAsync(db);
            foreach (var row in held)
            {
                var (id, epoch) = (row.Split('|')[0], long.Parse(row.Split('|')[1], CultureInfo.InvariantCulture));
                (await db.ScalarAsync($"SELECT lease_epoch FROM batchkit.partition_states WHERE partition_id = '{id}'")).Should().BeGreaterThan(epoch, $"partition {id} was taken over");
            }

            paused.Continue();
            var code = await paused.WaitAsync(ExitTimeout);
            output.WriteLine($"continued worker 0: exit {code}: {paused.Output}");

            // Woken, its leases are gone: every write it tried was refused; it returns the run's final status.
            code.Should().Be(0, "the continued worker finds the run completed and the warehouse verified: " + paused.Output);
            NightlyProcess.Summary(paused.Output)["status"].Should().Be("Completed");
            var after = await SnapshotAsync(db);
            after.Should().Equal(before, "the continued worker changed nothing in the warehouse, its fences, the checkpoints or the partition states");
        }
        finally
        {
            DisposeAll(workers);
        }
    }

    [Fact]
    public async Task Workers_PostgresRestartedMidRun_ReconnectAndFinishWithTheCleanOutput()
    {
        // Its own server: the shared one is never restarted.
        await using var server = await PostgresInstance.StartAsync();
        await using var db = await PgDatabase.CreateAsync(server.ConnectionString, "bk_fleet_restart");
        var args = Args(db, fixture.InputA, FleetFixture.DayA, fixture.Folder("staging-restart"), leaseSeconds: 10);
        var workers = StartWorkers(3, args);
        try
        {
            await WaitForAsync(db, "SELECT count(*) FROM batchkit.partition_states WHERE status = 'Completed'", 40, workers);
            workers.Should().OnlyContain(w => !w.HasExited, "the restart must come while the workers run");
            var clock = Stopwatch.StartNew();
            await server.RestartFastAsync();
            output.WriteLine($"restarted PostgreSQL on port {server.Port} in {clock.Elapsed.TotalSeconds:F1} s");
            var completedAfterRestart = await db.ScalarAsync("SELECT count(*) FROM batchkit.partition_states WHERE status = 'Completed'");
            completedAfterRestart.Should().BeLessThan(203, "partitions were left to run after the restart");
            await ExpectAllSucceedAsync(workers);
        }
        finally
        {
            DisposeAll(workers);
        }

        FleetWarehouse.ShouldEqual(await FleetWarehouse.PostgresRows(db, FleetFixture.DayA), fixture.ReferenceA, "after a restart of the server");
        (await db.RowsAsync("SELECT status FROM batchkit.runs")).Should().Equal("Completed");
    }

    [Fact]
    public async Task TwoRunKeys_RunConcurrentlyOnTheSameWorkers_DoNotInterfere()
    {
        await using var db = await PgDatabase.CreateAsync(TestServices.PostgresConnectionString, "bk_fleet_two");
        var staging = fixture.Folder("staging-two");
        var argsA = Args(db, fixture.InputA, FleetFixture.DayA, staging, leaseSeconds: 5);
        var argsB = Args(db, fixture.InputB, FleetFixture.DayB, staging, leaseSeconds: 5);
        var workers = new List<WorkerProcess>();
        try
        {
            for (var i = 0; i < 2; i++)
            {
                workers.Add(WorkerProcess.Start($"worker {i} day A", i, 2, argsA));
                workers.Add(WorkerProcess.Start($"worker {i} day B", i, 2, argsB));
            }

            await ExpectAllSucceedAsync(workers);
        }
        finally
        {
            DisposeAll(workers);
        }

        FleetWarehouse.ShouldEqual(await FleetWarehouse.PostgresRows(db, FleetFixture.DayA), fixture.ReferenceA, "day A");
        FleetWarehouse.ShouldEqual(await FleetWarehouse.PostgresRows(db, FleetFixture.DayB), fixture.ReferenceB, "day B");
        (await db.ScalarAsync("SELECT count(*) FROM daily_aggregates")).Should().Be(fixture.ReferenceA.Count + fixture.ReferenceB.Count);
        (await db.RowsAsync("SELECT parameters || '=' || status FROM batchkit.runs ORDER BY parameters")).Should().HaveCount(2).And.OnlyContain(r => r.EndsWith("=Completed", StringComparison.Ordinal));
    }

    private static string[] Args(PgDatabase db, string input, DateOnly date, string staging, int leaseSeconds) =>
    [
        "--input", input,
        "--warehouse", db.ConnectionString,
        "--state", db.ConnectionString,
        "--staging", staging,
        "--date", date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        "--parallelism", "2",
        "--lease-seconds", leaseSeconds.ToString(CultureInfo.InvariantCulture),
    ];

    private static List<WorkerProcess> StartWorkers(int count, string[] args) =>
        Enumerable.Range(0, count).Select(i => WorkerProcess.Start($"worker {i}", i, count, args)).ToList();

    private async Task ExpectAllSucceedAsync(List<WorkerProcess> workers)
    {
        foreach (var worker in workers)
        {
            var code = await worker.WaitAsync(ExitTimeout);
            output.WriteLine($"{worker.Name} (pid {worker.Id}): exit {code}: {worker.Output.Trim()}");
        }

        foreach (var worker in workers)
        {
            worker.ExitCode.Should().Be(0, $"{worker.Name} returns the run's final status, completed and verified: {worker.Output}");
            var summary = NightlyProcess.Summary(worker.Output);
            summary["status"].Should().Be("Completed");
            summary["verified"].Should().Be("true");
        }
    }

    /// <summary>Polls a count query (every 20 ms) until it reaches a threshold; fails if the workers all exit first.</summary>
    private static async Task WaitForAsync(PgDatabase db, string countSql, long threshold, IReadOnlyList<WorkerProcess> workers)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (await db.ExistsAsync("batchkit.partition_states") && await db.ScalarAsync(countSql) >= threshold)
            {
                return;
            }

            if (workers.All(w => w.HasExited) || clock.Elapsed > ExitTimeout)
            {
                throw new TimeoutException($"'{countSql}' did not reach {threshold} while the workers ran: {string.Join(Environment.NewLine, workers.Select(w => w.Name + ": " + w.Output))}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Everything a worker could change: the warehouse, its fences and staging, the checkpoints and the partition states.</summary>
    private static async Task<List<string>> SnapshotAsync(PgDatabase db)
    {
        var rows = new List<string>();
        foreach (var sql in new[]
        {
            "SELECT 'w', * FROM daily_aggregates ORDER BY 2, 3, 4, 5",
            "SELECT 'f', * FROM daily_aggregates__bk_fence ORDER BY 2, 3",
            "SELECT 's', count(*) FROM daily_aggregates__bk_stage",
            "SELECT 'c', * FROM batchkit.checkpoints ORDER BY 2, 3, 4",
            "SELECT 'p', * FROM batchkit.partition_states ORDER BY 2, 3",
            "SELECT 'e', count(*) FROM batchkit.error_records",
        })
        {
            rows.AddRange(await db.RowsAsync(sql));
        }

        return rows;
    }

    private static void DisposeAll(IEnumerable<WorkerProcess> workers)
    {
        foreach (var worker in workers)
        {
            worker.Dispose();
        }
    }
}
