using BatchKit.Tests.Support;
using Xunit.Abstractions;

namespace BatchKit.BulkEmail.Tests;

public sealed class BulkEmailKillTests(ITestOutputHelper output)
{
    private const int Recipients = 600;
    private const int Parallelism = 4;

    [Fact]
    public async Task Run_KilledMidRunAndRerun_SendsEachRecipientOneEmailOrReportsItInDoubt()
    {
        using var dir = new TempDirectory();
        using var smtp = await SmtpSink.StartAsync(dir.File("maildir"));
        string[] args =
        [
            "--smtp", $"127.0.0.1:{smtp.Port}", "--recipients", $"{Recipients}", "--rate", "200", "--parallelism", $"{Parallelism}",
            "--partition-size", "100", "--commit-interval", "10", "--lease-seconds", "3", "--state", dir.File("state/state.db"),
        ];

        using (var first = BulkEmailProcess.Start(args))
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
            while (smtp.Count < Recipients / 4 && !first.HasExited && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }

            first.HasExited.Should().BeFalse($"the first run is killed while sending; it exited with {(first.HasExited ? first.ExitCode : 0)}: {(first.HasExited ? await first.StandardError.ReadToEndAsync() : string.Empty)}");
            first.Kill(entireProcessTree: true); // SIGKILL: no chance to confirm what it was sending
            await first.WaitForExitAsync();
        }

        var atKill = smtp.Count;
        output.WriteLine($"killed after {atKill} emails");
        atKill.Should().BeLessThan(Recipients, "the run was killed before it sent everything");

        (int ExitCode, string Output, string Error) rerun;
        var attempts = 0;
        do
        {
            rerun = await BulkEmailProcess.RunAsync(args);
            output.WriteLine($"rerun exit {rerun.ExitCode}: {rerun.Output.Trim()} {rerun.Error.Trim()}");
        }
        while (rerun.ExitCode is not (0 or 3) && ++attempts < 3);

        rerun.ExitCode.Should().BeOneOf([0, 3], "the rerun completes, with or without sends in doubt");
        var inDoubt = rerun.Output.Split('\n')
            .Where(l => l.StartsWith("in doubt:", StringComparison.Ordinal))
            .Select(l => l.Split(' ').Single(f => f.StartsWith("recipient=", StringComparison.Ordinal))["recipient=".Length..])
            .ToHashSet(StringComparer.Ordinal);
        inDoubt.Should().NotContain("?", "every in-doubt key maps back to its recipient");
        inDoubt.Count.Should().BeLessThanOrEqualTo(Parallelism, "only the sends in flight when the process died can be in doubt");
        rerun.Output.Should().Contain($"in_doubt={inDoubt.Count}");

        var received = smtp.Recipients().GroupBy(r => r, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        received.Where(r => r.Value > 1).Should().BeEmpty("no recipient gets two emails");
        var all = Enumerable.Range(0, Recipients).Select(i => $"recipient-{i:D6}@example.test").ToList();
        received.Keys.Should().BeSubsetOf(all);
        all.Where(r => !received.ContainsKey(r)).Should().BeSubsetOf(inDoubt, "a recipient without an email is reported in doubt");
        output.WriteLine($"received {received.Count}, in doubt {inDoubt.Count} ({inDoubt.Count(r => received.ContainsKey(r))} of them delivered)");

        var again = await BulkEmailProcess.RunAsync(args);
        smtp.Recipients().Count.Should().Be(received.Values.Sum(), "a third run sends nothing more");
        again.ExitCode.Should().Be(rerun.ExitCode);
    }

    [Fact]
    public async Task Run_WithNoSmtpServer_SaysHowToStartOne()
    {
        using var dir = new TempDirectory();
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var run = await BulkEmailProcess.RunAsync("--smtp", $"127.0.0.1:{port}", "--state", dir.File("state.db"));

        run.ExitCode.Should().Be(2);
        run.Error.Should().Contain($"no SMTP server answers on 127.0.0.1:{port}").And.Contain($"python3 -m aiosmtpd -n -l 127.0.0.1:{port}");
    }
}
