using System.Diagnostics;

namespace BatchKit.DuckDb.Tests;

/// <summary>
/// A database file locked by another process (as a paused process that holds it would): commits do not open it, and the
/// completion waits for it.
/// </summary>
public sealed class DuckDbSinkLockTests : IDisposable
{
    private readonly TestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Theory]
    [InlineData(WriteDisposition.Upsert)]
    [InlineData(WriteDisposition.ReplacePartition)]
    public async Task Commit_FileLockedByAnotherProcess_StagesWithoutOpeningTheDatabase(WriteDisposition disposition)
    {
        var sink = Fixtures.Sink(_db, disposition);
        var rows = Fixtures.Rows(Fixtures.Date, 3, users: 5);
        await using var writer = await sink.OpenAsync(new SinkContext(Fixtures.RunKey(Fixtures.Date), Fixtures.Bucket(3), null), CancellationToken.None);
        await writer.WriteAsync(rows, CancellationToken.None);
        using var holder = await HoldLockAsync(TimeSpan.FromSeconds(30));

        var committed = await writer.CommitAsync(CancellationToken.None);

        committed.Should().Be(rows.Length);
        holder.HasExited.Should().BeFalse("the commit did not wait for the database file");
        holder.Kill();
        await holder.WaitForExitAsync();
        _db.StagedRows().Should().Be(rows.Length);
        _db.Count("SELECT count(*) FROM daily_aggregates").Should().Be(0, "a commit only stages; the partition's completion writes the table");
    }

    [Fact]
    public async Task Complete_FileLockedByAnotherProcessBriefly_WaitsAndMerges()
    {
        var sink = Fixtures.Sink(_db, WriteDisposition.Upsert);
        var runKey = Fixtures.RunKey(Fixtures.Date);
        var rows = Fixtures.Rows(Fixtures.Date, 3, users: 5);
        await using var writer = await sink.OpenAsync(new SinkContext(runKey, Fixtures.Bucket(3), null), CancellationToken.None);
        await writer.WriteAsync(rows, CancellationToken.None);
        var committed = await writer.CommitAsync(CancellationToken.None);

        var clock = Stopwatch.StartNew();
        using (var holder = await HoldLockAsync(TimeSpan.FromSeconds(1.5)))
        {
            await writer.CompleteAsync(CancellationToken.None);
            await holder.WaitForExitAsync();
        }

        committed.Should().Be(rows.Length);
        clock.Elapsed.Should().BeGreaterThan(TimeSpan.FromSeconds(1), "the completion waited for the other process to release the file");
        _db.Count("SELECT count(*) FROM daily_aggregates").Should().Be(rows.Length);
        _db.StagedRows().Should().Be(0, "the merged staging files are deleted");
    }

    [Theory]
    [InlineData(WriteDisposition.Upsert)]
    [InlineData(WriteDisposition.ReplacePartition)]
    public async Task Complete_AfterwardsTheDatabaseFileIsNotHeld(WriteDisposition disposition)
    {
        var sink = Fixtures.Sink(_db, disposition);
        await Fixtures.RunPartitionAsync(sink, Fixtures.RunKey(Fixtures.Date), Fixtures.Bucket(2), Fixtures.Rows(Fixtures.Date, 2, users: 5), chunkSize: 20);

        // Another process can lock the file at once: this process released it after the merge, though the sink lives on.
        (await ProbeLockAsync()).Should().Be("free");
        GC.KeepAlive(sink);
    }

    [Fact]
    public async Task Complete_FileLockedPastLockTimeout_ThrowsTransientNamingHolder()
    {
        var sink = new DuckDbSink<DailyAggregate>(Fixtures.Mapping(), new DuckDbSinkOptions
        {
            ConnectionString = _db.ConnectionString,
            LockTimeout = TimeSpan.FromMilliseconds(300),
        });
        await using var writer = await sink.OpenAsync(new SinkContext(Fixtures.RunKey(Fixtures.Date), Fixtures.Bucket(1), null), CancellationToken.None);
        await writer.WriteAsync(Fixtures.Rows(Fixtures.Date, 1, users: 2), CancellationToken.None);
        await writer.CommitAsync(CancellationToken.None);
        using var holder = await HoldLockAsync(TimeSpan.FromSeconds(5));

        var complete = async () => await writer.CompleteAsync(CancellationToken.None);

        var thrown = (await complete.Should().ThrowAsync<BatchKitException>()).Which;
        thrown.IsTransient.Should().BeTrue();
        thrown.Message.Should().Contain("LockTimeout").And.Contain("Conflicting lock is held in").And.Contain($"PID {holder.Id}");
        holder.Kill();
    }

    /// <summary>Asks another process whether it can take the POSIX lock DuckDB takes on the database file, without waiting: "free" or "held".</summary>
    private async Task<string?> ProbeLockAsync()
    {
        var path = _db.ConnectionString["Data Source=".Length..];
        const string script = "import fcntl, sys\nf = open(sys.argv[1], 'r+')\ntry:\n    fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)\n    print('free')\nexcept OSError:\n    print('held')\n";
        var info = new ProcessStartInfo("python3") { RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        info.ArgumentList.Add(path);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("python3 is needed to probe a POSIX lock from another process.");
        var answer = await process.StandardOutput.ReadLineAsync();
        await process.WaitForExitAsync();
        return answer;
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
