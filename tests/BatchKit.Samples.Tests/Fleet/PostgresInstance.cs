using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace BatchKit.Samples.Tests.Fleet;

/// <summary>
/// A PostgreSQL server of one test, on a port of its own, for tests that restart the server (the shared one is never
/// restarted). Started with the binaries eng/services.sh exports (BATCHKIT_PG_BIN), as BATCHKIT_PG_RUNAS when root.
/// </summary>
public sealed class PostgresInstance : IAsyncDisposable
{
    private readonly string _root;
    private readonly string _bin;
    private readonly string? _runAs;

    private PostgresInstance(string root, string bin, string? runAs, int port)
    {
        _root = root;
        _bin = bin;
        _runAs = runAs;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString => string.Create(CultureInfo.InvariantCulture, $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres");

    private string Data => Path.Combine(_root, "data");

    public static async Task<PostgresInstance> StartAsync()
    {
        var bin = Environment.GetEnvironmentVariable("BATCHKIT_PG_BIN") is { Length: > 0 } b
            ? b
            : throw new InvalidOperationException("BATCHKIT_PG_BIN is not set: run the tests with `bash eng/test.sh` or `bash eng/services.sh CMD...`, which export it.");
        var runAs = Environment.GetEnvironmentVariable("BATCHKIT_PG_RUNAS") is { Length: > 0 } r ? r : null;
        var root = Path.Combine(Path.GetTempPath(), "batchkit-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        var instance = new PostgresInstance(root, bin, runAs, FreePort());
        if (runAs is not null)
        {
            await RunAsync("chown", [runAs + ":", root]);
        }

        await RunAsync("chmod", ["700", root]);
        await instance.PgAsync("initdb", ["-D", instance.Data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions"]);
        await instance.PgAsync("pg_ctl", ["-D", instance.Data, "-l", Path.Combine(root, "log"), "-w", "-t", "60", "start", "-o", instance.ServerOptions]);
        return instance;
    }

    /// <summary>Restarts the server, disconnecting every client (<c>pg_ctl restart -m fast</c>).</summary>
    public Task RestartFastAsync() => PgAsync("pg_ctl", ["-D", Data, "-l", Path.Combine(_root, "log"), "-w", "-t", "60", "-m", "fast", "restart", "-o", ServerOptions]);

    public string Log => File.Exists(Path.Combine(_root, "log")) ? File.ReadAllText(Path.Combine(_root, "log")) : string.Empty;

    public async ValueTask DisposeAsync()
    {
        Npgsql.NpgsqlConnection.ClearAllPools();
        try
        {
            await PgAsync("pg_ctl", ["-D", Data, "-m", "immediate", "-w", "stop"]);
        }
        finally
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private string ServerOptions => string.Create(CultureInfo.InvariantCulture, $"-p {Port} -c listen_addresses=127.0.0.1 -k {_root} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200");

    private Task PgAsync(string tool, string[] args) => _runAs is null
        ? RunAsync(Path.Combine(_bin, tool), args, _root)
        : RunAsync("runuser", ["-u", _runAs, "--", Path.Combine(_bin, tool), .. args], _root);

    private static async Task RunAsync(string file, string[] args, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory ?? Path.GetTempPath() };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}: {await output}{await error}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
