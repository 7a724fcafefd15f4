using System.Diagnostics;
using BatchKit.Tests.Support;
using NightlyAnalytics;
using Xunit.Abstractions;

namespace BatchKit.Samples.Tests;

/// <summary>The sample reading its events from S3 (radosgw) in a child process: equal to a local run, and killed mid-read.</summary>
public sealed class NightlyAnalyticsS3Tests(ITestOutputHelper output)
{
    [Fact]
    public async Task Run_FromS3_EqualsTheRunFromTheSameFilesOnLocalDisk_RowForRow()
    {
        using var dir = new TempDirectory();
        await using var bucket = await SampleBucket.CreateAsync();
        var uploaded = await NightlyProcess.RunAsync(bucket.Environment, "generate", "--events", "200000", "--out", bucket.Uri("raw/dt=2026-11-22/"), "--files", "4", "--seed", "23");
        uploaded.ExitCode.Should().Be(0, uploaded.Output + uploaded.Error);
        var local = dir.File("events");
        var generated = await NightlyProcess.RunAsync("generate", "--events", "200000", "--out", local, "--files", "4", "--seed", "23");
        generated.ExitCode.Should().Be(0, generated.Error);

        // generate --out s3:// uploads the very files it writes locally: the objects are byte for byte the local files.
        var objects = await bucket.ListAsync("raw/dt=2026-11-22/");
        objects.Select(o => o.Key).Should().Equal(Enumerable.Range(0, 4).Select(f => $"raw/dt=2026-11-22/events-{f:D4}.parquet"));
        foreach (var o in objects)
        {
            var file = Path.Combine(local, Path.GetFileName(o.Key));
            o.Size.Should().Be(new FileInfo(file).Length);
            using var response = await bucket.Client.GetObjectAsync(bucket.Name, o.Key);
            using var content = new MemoryStream();
            await response.ResponseStream.CopyToAsync(content);
            var bytes = await File.ReadAllBytesAsync(file);
            content.ToArray().SequenceEqual(bytes).Should().BeTrue($"{o.Key} holds the bytes of {file}");
        }

        var fromS3 = dir.File("s3.duckdb");
        var s3Run = await NightlyProcess.RunAsync(bucket.Environment, "run", "--input", bucket.Uri("raw/dt=2026-11-22/"), "--warehouse", fromS3);
        s3Run.ExitCode.Should().Be(0, s3Run.Output + s3Run.Error);
        output.WriteLine("from S3: " + s3Run.Output.Trim());
        var fromDisk = dir.File("local.duckdb");
        var localRun = await NightlyProcess.RunAsync("run", "--input", local, "--warehouse", fromDisk);
        localRun.ExitCode.Should().Be(0, localRun.Output + localRun.Error);
        output.WriteLine("from disk: " + localRun.Output.Trim());

        var s3Summary = NightlyProcess.Summary(s3Run.Output);
        var localSummary = NightlyProcess.Summary(localRun.Output);
        s3Summary["records_in"].Should().Be("200000");
        s3Summary["verified"].Should().Be("true");
        foreach (var key in new[] { "records_in", "records_out", "errors", "warehouse_events", "warehouse_rows" })
        {
            s3Summary[key].Should().Be(localSummary[key], key);
        }

        var comparison = Warehouse.Compare(Warehouse.TableSql("s"), Warehouse.TableSql("l"), ("s", fromS3), ("l", fromDisk));
        comparison.OnlyLeft.Should().Be(0);
        comparison.OnlyRight.Should().Be(0);
        comparison.LeftRows.Should().Be(comparison.RightRows).And.BeGreaterThan(0);
        var independent = Warehouse.Compare(Warehouse.TableSql("s"), Warehouse.ExpectedSql(local), ("s", fromS3));
        independent.OnlyLeft.Should().Be(0);
        independent.OnlyRight.Should().Be(0);

        // A missing prefix plans no partition, and the run fails its minimum-record gate instead of completing empty.
        var empty = await NightlyProcess.RunAsync(bucket.Environment, "run", "--input", bucket.Uri("nothing-here/"), "--warehouse", dir.File("empty.duckdb"));
        empty.ExitCode.Should().NotBe(0, empty.Output + empty.Error);
    }

    [Fact]
    public async Task Run_KilledMidReadOfS3Input_RerunEqualsACleanRun_NothingCountedTwice()
    {
        using var dir = new TempDirectory();
        await using var bucket = await SampleBucket.CreateAsync();
        var input = bucket.Uri("raw/");
        var uploaded = await NightlyProcess.RunAsync(bucket.Environment, "generate", "--events", "400000", "--out", input, "--files", "8", "--seed", "29");
        uploaded.ExitCode.Should().Be(0, uploaded.Output + uploaded.Error);

        var reference = dir.File("reference.duckdb");
        var clean = await NightlyProcess.RunAsync(bucket.Environment, "run", "--input", input, "--warehouse", reference, "--parallelism", "1");
        clean.ExitCode.Should().Be(0, clean.Output + clean.Error);
        var summary = NightlyProcess.Summary(clean.Output);
        summary["records_in"].Should().Be("400000");

        // Killed (SIGKILL) once some of the 8 objects are read and before all are: one object is being read at that moment.
        var runKey = new RunKey(NightlyJob.JobName, NightlyJob.Parameters(NightlyJob.DefaultDate)).Value;
        string warehouse = string.Empty;
        for (var attempt = 0; ; attempt++)
        {
            warehouse = Path.Combine(dir.File($"killed-{attempt}"), "w.duckdb");
            Directory.CreateDirectory(Path.GetDirectoryName(warehouse)!);
            var state = Path.ChangeExtension(warehouse, ".state.db");
            using (var process = NightlyProcess.Start(bucket.Environment, "run", "--input", input, "--warehouse", warehouse, "--parallelism", "1"))
            {
                var clock = Stopwatch.StartNew();
                while (!process.HasExited && clock.Elapsed < TimeSpan.FromMinutes(3) && await ExtractedAsync(state, runKey) < 2)
                {
                    await Task.Delay(20);
                }

                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            var extracted = await ExtractedAsync(state, runKey);
            output.WriteLine($"attempt {attempt}: killed with {extracted} of 8 objects read");
            if (extracted is >= 1 and < 8)
            {
                break;
            }

            attempt.Should().BeLessThan(4, "the kill must come while the objects are being read");
        }

        var rerun = await NightlyProcess.RunAsync(bucket.Environment, "run", "--input", input, "--warehouse", warehouse, "--parallelism", "1");
        rerun.ExitCode.Should().Be(0, rerun.Output + rerun.Error);
        output.WriteLine("rerun: " + rerun.Output.Trim());
        var rerunSummary = NightlyProcess.Summary(rerun.Output);
        rerunSummary["verified"].Should().Be("true");
        foreach (var key in new[] { "records_in", "records_out", "errors", "warehouse_events", "warehouse_rows" })
        {
            rerunSummary[key].Should().Be(summary[key], key);
        }

        var comparison = Warehouse.Compare(Warehouse.TableSql("r"), Warehouse.TableSql("k"), ("r", reference), ("k", warehouse));
        comparison.OnlyLeft.Should().Be(0, "nothing is lost");
        comparison.OnlyRight.Should().Be(0, "nothing read twice is counted twice");
        comparison.RightRows.Should().Be(comparison.LeftRows);
    }

    [Fact]
    public async Task Run_RadosgwKilledAndRestartedMidRead_TheRunResumes_NothingLostNothingDuplicated()
    {
        using var dir = new TempDirectory();
        await using var gateway = await OwnRadosgw.StartAsync();
        await using var bucket = await SampleBucket.CreateAsync(gateway.Endpoint);
        var input = bucket.Uri("raw/");
        var uploaded = await NightlyProcess.RunAsync(bucket.Environment, "generate", "--events", "400000", "--out", input, "--files", "8", "--seed", "31");
        uploaded.ExitCode.Should().Be(0, uploaded.Output + uploaded.Error);

        var reference = dir.File("reference.duckdb");
        var clean = await NightlyProcess.RunAsync(bucket.Environment, "run", "--input", input, "--warehouse", reference, "--parallelism", "1");
        clean.ExitCode.Should().Be(0, clean.Output + clean.Error);
        var summary = NightlyProcess.Summary(clean.Output);
        summary["records_in"].Should().Be("400000");

        // The gateway is killed (SIGKILL) once some objects are read and before all are, and started again 3 s later;
        // the run is not restarted: its ranged GETs fail, are retried and reopen the object at the last good position.
        var runKey = new RunKey(NightlyJob.JobName, NightlyJob.Parameters(NightlyJob.DefaultDate)).Value;
        for (var attempt = 0; ; attempt++)
        {
            var warehouse = Path.Combine(dir.File($"outage-{attempt}"), "w.duckdb");
            Directory.CreateDirectory(Path.GetDirectoryName(warehouse)!);
            var state = Path.ChangeExtension(warehouse, ".state.db");
            using var process = NightlyProcess.Start(bucket.Environment, "run", "--input", input, "--warehouse", warehouse, "--parallelism", "1");
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            var clock = Stopwatch.StartNew();
            while (!process.HasExited && clock.Elapsed < TimeSpan.FromMinutes(3) && await ExtractedAsync(state, runKey) < 1)
            {
                await Task.Delay(20);
            }

            await gateway.KillAsync();
            var atKill = await ExtractedAsync(state, runKey);
            var running = !process.HasExited;
            await Task.Delay(TimeSpan.FromSeconds(3));
            await gateway.StartAgainAsync();
            using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5)))
            {
                await process.WaitForExitAsync(timeout.Token);
            }

            var (exitCode, runOutput, runError) = (process.ExitCode, await stdout, await stderr);
            output.WriteLine($"attempt {attempt}: radosgw killed with {atKill} of 8 objects read (run {(running ? "running" : "already exited")}); exit {exitCode}: {runOutput.Trim()} {runError.Trim()}");
            if (!running || atKill >= 8)
            {
                attempt.Should().BeLessThan(4, "the outage must come while the objects are being read");
                continue;
            }

            exitCode.Should().Be(0, "the run rides out the gateway's restart: " + runOutput + runError);
            var resumed = NightlyProcess.Summary(runOutput);
            resumed["verified"].Should().Be("true");
            foreach (var key in new[] { "records_in", "records_out", "errors", "warehouse_events", "warehouse_rows" })
            {
                resumed[key].Should().Be(summary[key], key);
            }

            var comparison = Warehouse.Compare(Warehouse.TableSql("r"), Warehouse.TableSql("o"), ("r", reference), ("o", warehouse));
            comparison.OnlyLeft.Should().Be(0, "nothing is lost");
            comparison.OnlyRight.Should().Be(0, "nothing is duplicated");
            comparison.RightRows.Should().Be(comparison.LeftRows);
            break;
        }
    }

    /// <summary>The number of the run's extract partitions (one per object, <c>extract-events-*</c>) that completed; 0 while the state is not readable yet.</summary>
    private static async Task<int> ExtractedAsync(string state, string runKey)
    {
        if (!File.Exists(state))
        {
            return 0;
        }

        try
        {
            await using var store = new SqliteCheckpointStore(state);
            var states = await store.GetPartitionStatesAsync(runKey, CancellationToken.None);
            return states.Count(s => s.PartitionId.StartsWith("extract-", StringComparison.Ordinal) && s.Status == PartitionStatus.Completed);
        }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or InvalidOperationException or BatchKitException)
        {
            return 0;
        }
    }
}
