using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using BatchKit.Testing.Services;

namespace BatchKit.BulkEmail.Tests;

/// <summary>A real SMTP server (Python's aiosmtpd) on a free port of 127.0.0.1 that stores every email it accepts in a maildir.</summary>
public sealed class SmtpSink : IDisposable
{
    private readonly Process _process;

    private SmtpSink(Process process, int port, string maildir)
    {
        _process = process;
        Port = port;
        Maildir = maildir;
    }

    public int Port { get; }

    public string Maildir { get; }

    public static async Task<SmtpSink> StartAsync(string maildir)
    {
        var python = TestServices.SmtpPython;
        var port = FreePort();
        var info = new ProcessStartInfo(python) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Mailbox", maildir })
        {
            info.ArgumentList.Add(a);
        }

        var process = Process.Start(info)!;
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return new SmtpSink(process, port, maildir);
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>The number of emails delivered so far.</summary>
    public int Count => Directory.Exists(Path.Combine(Maildir, "new")) ? Directory.GetFiles(Path.Combine(Maildir, "new")).Length : 0;

    /// <summary>The recipient (To header) of every delivered email.</summary>
    public IReadOnlyList<string> Recipients() =>
        Directory.GetFiles(Path.Combine(Maildir, "new"))
            .Select(f => File.ReadLines(f).TakeWhile(l => l.Length > 0).First(l => l.StartsWith("To:", StringComparison.OrdinalIgnoreCase))[3..].Trim())
            .ToList();

    public void Dispose()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
