using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using BatchKit.Testing.Services;

namespace BatchKit.Samples.Tests;

/// <summary>
/// A radosgw process of the test's own, on a free port of its own, over the test run's Ceph cluster (monitor and OSD),
/// with its own admin socket, pid and log files: the test can kill it (SIGKILL) and start it again without touching the
/// radosgw other tests share on 7480. What it stored stays in the cluster across its restarts, as with a real gateway.
/// </summary>
public sealed class OwnRadosgw : IAsyncDisposable
{
    private readonly string _folder;
    private readonly string _name;
    private Process? _process;

    private OwnRadosgw(int port)
    {
        Port = port;
        _name = "rgw.bk" + Guid.NewGuid().ToString("N")[..10];
        _folder = Path.Combine(Path.GetTempPath(), "batchkit-tests", "radosgw-" + _name);
        Directory.CreateDirectory(_folder);
    }

    public int Port { get; }

    public string Endpoint => $"http://127.0.0.1:{Port}";

    public static async Task<OwnRadosgw> StartAsync()
    {
        var gateway = new OwnRadosgw(FreePort());
        await gateway.StartAgainAsync();
        return gateway;
    }

    /// <summary>Starts the process (again, after <see cref="KillAsync"/>) on the same port and waits until it answers HTTP.</summary>
    public async Task StartAgainAsync()
    {
        _process.Should().BeNull("the gateway is started once at a time");
        var info = new ProcessStartInfo("radosgw") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[]
        {
            "-c", TestServices.CephConf, "-n", "client." + _name, "-f",
            "--rgw_frontends", $"beast endpoint=127.0.0.1:{Port}",
            "--admin_socket", Path.Combine(_folder, "asok"), "--pid_file", Path.Combine(_folder, "pid"), "--log_file", Path.Combine(_folder, "log"),
        })
        {
            info.ArgumentList.Add(a);
        }

        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            _process.HasExited.Should().BeFalse($"radosgw on port {Port} keeps running (log: {Path.Combine(_folder, "log")})");
            try
            {
                using var response = await http.GetAsync(Endpoint + "/");
                return;
            }
            catch (HttpRequestException) when (clock.Elapsed < TimeSpan.FromMinutes(2))
            {
                await Task.Delay(200);
            }
            catch (TaskCanceledException) when (clock.Elapsed < TimeSpan.FromMinutes(2))
            {
                await Task.Delay(200);
            }
        }
    }

    /// <summary>Kills the process (SIGKILL) and waits until it is gone.</summary>
    public async Task KillAsync()
    {
        if (_process is null)
        {
            return;
        }

        _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    // Never a port of the shared servers (PostgreSQL 55432, radosgw 7480, the Ceph monitor 46789).
    private static int FreePort()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            if (port is not (55432 or 7480 or 46789))
            {
                return port;
            }
        }
    }
}
