using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using BatchKit.Dashboard.Tests;
using BatchKit.Tests.Support;
using Xunit.Abstractions;

namespace BatchKit.Samples.Tests;

/// <summary>
/// Starts <c>NightlyAnalytics serve</c> as a real process with a schedule that fires every few seconds, and follows its
/// first run in Chromium through the dashboard: the run appears, its partitions show progress, a partition opens.
/// </summary>
public sealed class NightlyServeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Serve_ScheduleFires_TheDashboardShowsTheRunItsPartitionsAndAPartition()
    {
        using var dir = new TempDirectory();
        var input = dir.File("events");
        var generated = await NightlyProcess.RunAsync("generate", "--events", "40000", "--out", input, "--files", "4", "--seed", "5");
        generated.ExitCode.Should().Be(0, generated.Error);
        var port = FreePort();
        var root = new Uri($"http://127.0.0.1:{port}");

        using var serve = NightlyProcess.Start(
            "serve", "--urls", root.AbsoluteUri.TrimEnd('/'), "--state", dir.File("state.db"), "--input", input,
            "--warehouse", dir.File("warehouse.duckdb"), "--schedule", "*/2 * * * * *", "--parallelism", "2");
        var log = new StringBuilder();
        serve.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        serve.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        serve.BeginOutputReadLine();
        serve.BeginErrorReadLine();
        try
        {
            await WaitUntilServingAsync(serve, new Uri(root, "/batchkit/"), log);
            await using var browser = await ChromiumSession.StartAsync();

            // The run appears on the runs page once the schedule fired (reloaded until it does).
            var runs = new Uri(root, "/batchkit/runs?job=nightly-analytics");
            var clock = Stopwatch.StartNew();
            while (true)
            {
                await browser.NavigateAsync(runs);
                if ((await browser.EvaluateAsync("document.querySelectorAll('#runs tbody tr').length"))!.GetValue<int>() > 0)
                {
                    break;
                }

                clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(120), $"the schedule fires every 2 s; the process logged:{Environment.NewLine}{Log(log)}");
                await Task.Delay(500);
            }

            await browser.ScreenshotAsync("serve-runs");
            (await browser.DomAsync()).Should().Contain("date=2026-11-22");
            await browser.ClickAsync("#runs tbody tr a");

            // The run page polls its partitions: wait until they all completed (204 partitions: 4 extract, 200 shuffled).
            await browser.WaitForAsync("document.getElementById('partitions') !== null");
            await browser.ScreenshotAsync("serve-run-progress");
            await browser.WaitForAsync(
                "document.querySelectorAll('#partitions tbody tr').length > 0 && document.querySelectorAll('#partitions tbody tr').length === document.querySelectorAll('#partitions .st-Completed').length && document.querySelector('#run-status .st-Completed') !== null",
                TimeSpan.FromSeconds(180));
            var rows = (await browser.EvaluateAsync("document.querySelectorAll('#partitions tbody tr').length"))!.GetValue<int>();
            output.WriteLine($"partitions shown: {rows}");
            rows.Should().Be(204);
            await browser.ScreenshotAsync("serve-run-completed");

            await browser.ClickAsync("#partitions tbody tr a");
            await browser.WaitForAsync("document.getElementById('attempts') !== null");
            var partition = await browser.DomAsync();
            partition.Should().Contain("Partition ").And.Contain("st-Completed").And.Contain("<table id=\"attempts\"");
            await browser.ScreenshotAsync("serve-partition");

            using var http = new HttpClient { BaseAddress = root };
            var health = await http.GetAsync("/health");
            (await health.Content.ReadAsStringAsync()).Should().Be("Healthy");
        }
        finally
        {
            if (!serve.HasExited)
            {
                serve.Kill(entireProcessTree: true);
                await serve.WaitForExitAsync();
            }

            output.WriteLine(Log(log));
        }
    }

    private static async Task WaitUntilServingAsync(Process serve, Uri url, StringBuilder log)
    {
        using var http = new HttpClient();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            serve.HasExited.Should().BeFalse($"serve must keep running; it logged:{Environment.NewLine}{Log(log)}");
            try
            {
                if ((await http.GetAsync(url)).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(60), $"serve should listen on {url}; it logged:{Environment.NewLine}{Log(log)}");
            await Task.Delay(200);
        }
    }

    private static string Log(StringBuilder log)
    {
        lock (log)
        {
            return log.ToString();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
