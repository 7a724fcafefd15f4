using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;

namespace BatchKit.Testing.Services;

/// <summary>
/// Pauses a process (SIGSTOP) the way the lease tests need: outside a write transaction on a SQLite state file. SQLite
/// locks are file locks of the process that holds them; a process stopped inside a write transaction blocks every other
/// process's state writes until it is woken or dies (docs/partition-leases.md), which is a property of SQLite, not the
/// lease takeover a test means to prove. So after stopping it, and once every one of its threads is seen stopped
/// (kill(2) only queues the signal: a thread on another core can still begin a transaction), the state file is probed
/// with a short write transaction; when the stopped process holds the write lock, it is woken for a moment and stopped
/// again.
/// </summary>
internal static partial class ProcessPause
{
    private const int SigCont = 18;
    private const int SigStop = 19;

    /// <summary>Stops <paramref name="pid"/>, at a moment it holds no write lock on <paramref name="sqliteStatePath"/>.</summary>
    /// <returns>How many stops it took (1 when the first one fell outside a write transaction).</returns>
    public static async Task<int> StopOutsideStateWriteAsync(int pid, string sqliteStatePath)
    {
        for (var stops = 1; ; stops++)
        {
            if (Kill(pid, SigStop) != 0)
            {
                throw new InvalidOperationException($"SIGSTOP to process {pid} failed (errno {Marshal.GetLastPInvokeError()}).");
            }

            await WaitUntilStoppedAsync(pid).ConfigureAwait(false);

            if (!File.Exists(sqliteStatePath) || await CanWriteAsync(sqliteStatePath).ConfigureAwait(false))
            {
                return stops;
            }

            if (stops == 50)
            {
                throw new InvalidOperationException($"Process {pid} held the write lock on '{sqliteStatePath}' at each of 50 stops.");
            }

            _ = Kill(pid, SigCont);
            await Task.Delay(15 + Random.Shared.Next(30)).ConfigureAwait(false);
        }
    }

    /// <summary>Wakes a stopped process (SIGCONT); returns what kill(2) returned.</summary>
    public static int Continue(int pid) => Kill(pid, SigCont);

    /// <summary>Waits until every thread of <paramref name="pid"/> is in state T (stopped) in /proc.</summary>
    private static async Task WaitUntilStoppedAsync(int pid)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!AllThreadsStopped(pid))
        {
            if (waited.Elapsed > TimeSpan.FromSeconds(10))
            {
                throw new InvalidOperationException($"Process {pid} did not stop within 10 s of SIGSTOP.");
            }

            await Task.Delay(2).ConfigureAwait(false);
        }
    }

    private static bool AllThreadsStopped(int pid)
    {
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(task, "stat"));
            }
            catch (IOException)
            {
                continue; // the thread ended
            }

            // "tid (comm) S ...": the state follows the last ')' (a thread name may hold parentheses).
            var state = stat[(stat.LastIndexOf(')') + 2)..][0];
            if (state is not ('T' or 't' or 'Z' or 'X'))
            {
                return false;
            }
        }

        return true;
    }

    private static async Task<bool> CanWriteAsync(string path)
    {
        var builder = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite, Pooling = false, DefaultTimeout = 1 };
        await using var connection = new SqliteConnection(builder.ToString());
        await connection.OpenAsync().ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA busy_timeout = 300; BEGIN IMMEDIATE; ROLLBACK;";
        try
        {
            await command.ExecuteNonQueryAsync().ConfigureAwait(false);
            return true;
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is 5 or 6) // SQLITE_BUSY, SQLITE_LOCKED
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
