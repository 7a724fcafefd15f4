using System.Diagnostics;

namespace BatchKit.DuckDb.Tests;

/// <summary>A database file locked by another process (as a paused process that holds it would): the sink waits for it.</summary>
public sealed class DuckDbSinkLockTests : IDisposable
{
    private readonly TestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task Commit_FileLockedByAnotherProcessBriefly_WaitsAndCommits()
    {
        var sink = Fixtures.Sink(_db, WriteDisposition.Upsert);
        var runKey = Fixtures.RunKey(Fixtures.Date);
        var rows = Fixtures.Rows(Fixtures.Date, 3, users: 5);
        await using var writer = await sink.OpenAsync(new SinkContext(runKey, Fixtures.Bucket(3), null), CancellationToken.None);
        await writer.WriteAsync(rows, CancellationToken.None);

        long committed;
        var clock = Stopwatch.StartNew();
        using (var holder = await HoldLockAsync(TimeSpan.FromSeconds(1.5)))
        {
            committed = await writer.CommitAsync(CancellationToken.None);
            await holder.WaitForExitAsync();
        }

        committed.Should().Be(rows.Length);
        clock.Elapsed.Should().BeGreaterThan(TimeSpan.FromSeconds(1), "the commit waited for the other process to release the file");
        _db.Count("SELECT count(*) FROM daily_aggregates").Should().Be(rows.Length);
    }

    [Fact]
    public async Task Commit_FileLockedPastLockTimeout_ThrowsTransientNamingHolder()
    {
        var sink = new DuckDbSink<DailyAggregate>(Fixtures.Mapping(), new DuckDbSinkOptions
        {
            ConnectionString = _db.ConnectionString,
            LockTimeout = TimeSpan.FromMilliseconds(300),
        });
        await using var writer = await sink.OpenAsync(new SinkContext(Fixtures.RunKey(Fixtures.Date), Fixtures.Bucket(1), null), CancellationToken.None);
        await writer.WriteAsync(Fixtures.Rows(Fixtures.Date, 1, users: 2), CancellationToken.None);
        using var holder = await HoldLockAsync(TimeSpan.FromSeconds(5));

        var commit = async () => await writer.CommitAsync(CancellationToken.None);

        var thrown = (await commit.Should().ThrowAsync<BatchKitException>()).Which;
        thrown.IsTransient.Should().BeTrue();
        thrown.Message.Should().Contain("LockTimeout").And.Contain("Conflicting lock is held in").And.Contain($"PID {holder.Id}");
        holder.Kill();
    }

    /// <summary>Starts a process that holds the POSIX lock DuckDB takes on the database file, and waits until it holds it.</summary>
    private async Task<Process> HoldLockAsync(TimeSpan duration)
    {
        var path = _db.ConnectionString["Data Source=".Length..];
        var script = $"import fcntl, sys, time\nf = open(sys.argv[1], 'r+')\nfcntl.lockf(f, fcntl.LOCK_EX)\nprint('locked', flush=True)\ntime.sleep({duration.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)})\n";
        var info = new ProcessStartInfo("python3") { RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        info.ArgumentList.Add(path);
        var process = Process.Start(info) ?? throw new InvalidOperationException("python3 is needed to hold a POSIX lock from another process.");
        (await process.StandardOutput.ReadLineAsync()).Should().Be("locked");
        return process;
    }
}
