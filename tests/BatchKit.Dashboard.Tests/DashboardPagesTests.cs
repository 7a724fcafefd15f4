using System.Net;

namespace BatchKit.Dashboard.Tests;

public sealed class DashboardPagesTests(DashboardSite site) : IClassFixture<DashboardSite>
{
    private Uri Page(string path) => new(site.BaseAddress, path);

    [Fact]
    public async Task JobsPage_InChromium_ListsTheRegisteredJobWithItsSchedule()
    {
        var dom = await HeadlessChromium.DumpDomAsync(Page("/batchkit/"));

        dom.Should().Contain("<table id=\"jobs\"").And.Contain(">orders</a>").And.Contain("0 0 3 * * *");
        File.Exists(await HeadlessChromium.ScreenshotAsync(Page("/batchkit/"), "jobs")).Should().BeTrue();
    }

    [Fact]
    public async Task RunsPage_InChromium_ListsTheRunAndFiltersByStatus()
    {
        site.Run.Status.Should().Be(RunStatus.Completed);
        var runKey = site.Run.RunKey.Value;

        var dom = await HeadlessChromium.DumpDomAsync(Page("/batchkit/runs?job=orders"));
        dom.Should().Contain($"data-run-key=\"{runKey}\"").And.Contain("st-Completed");
        File.Exists(await HeadlessChromium.ScreenshotAsync(Page("/batchkit/runs?job=orders"), "runs")).Should().BeTrue();

        var failed = await HeadlessChromium.DumpDomAsync(Page("/batchkit/runs?job=orders&status=Failed"));
        failed.Should().Contain("id=\"no-runs\"").And.NotContain(runKey);
        var otherJob = await HeadlessChromium.DumpDomAsync(Page("/batchkit/runs?job=other"));
        otherJob.Should().Contain("id=\"no-runs\"");
    }

    [Fact]
    public async Task RunPage_InChromium_ShowsPartitionsAndThePollRewritesThem()
    {
        var url = Page("/batchkit/runs/" + site.Run.RunKey.Value);

        var dom = await HeadlessChromium.DumpDomAsync(url);

        dom.Should().Contain("<table id=\"partitions\"").And.Contain($"/partitions/a\">a</a></td>").And.Contain($"/partitions/b\">b</a></td>");
        dom.Should().Contain("<td class=\"num\">6</td><td class=\"num\">5</td><td class=\"num\">1</td>", "partition a read 6 records, wrote 5 and stored 1 error");
        // The inline script fetched the JSON endpoint and rebuilt the rows (the run is over, so it polls once).
        dom.Should().Contain("data-refreshes=\"1\"");
        dom.Should().Contain("id=\"no-in-doubt\"");
        File.Exists(await HeadlessChromium.ScreenshotAsync(url, "run")).Should().BeTrue();
    }

    [Fact]
    public async Task RunPage_InChromium_ShowsTheLateArrivalRateOfARunReconciledAfterItsInputChanged()
    {
        var runner = new JobRunner(site.OrdersJob);
        var parameters = RunParameters.Of("date", new DateOnly(2026, 11, 29));
        (await runner.RunAsync(parameters)).Status.Should().Be(RunStatus.Completed);
        var url = Page("/batchkit/runs/" + new RunKey("orders", parameters).Value);
        (await HeadlessChromium.DumpDomAsync(url)).Should().Contain("<dd id=\"run-late\">none reconciled</dd>");

        // A record arrives late in b.jsonl: reconciling the completed run reprocesses b only, one partition of two.
        var b = Path.Combine(site.Input, "b.jsonl");
        var original = await File.ReadAllTextAsync(b);
        try
        {
            await File.AppendAllTextAsync(b, "{\"Id\":9,\"Name\":\"late\"}\n");
            var reconciled = await runner.RunAsync(parameters, new RunOptions { ReprocessChangedInput = true });
            reconciled.Status.Should().Be(RunStatus.Completed, reconciled.Exception?.ToString());

            var dom = await HeadlessChromium.DumpDomAsync(url);
            dom.Should().Contain("<dd id=\"run-late\">1 partition(s) reconciled after completion, late-arrival rate 50%</dd>");
            dom.Should().Contain("/partitions/b\">b</a></td><td><span class=\"st st-Completed\">Completed</span></td><td class=\"num\">2</td><td class=\"num\">4</td><td class=\"num\">4</td>",
                "partition b ran a second time and read and wrote its 3 records and the late one");
            File.Exists(await HeadlessChromium.ScreenshotAsync(url, "run-late")).Should().BeTrue();
        }
        finally
        {
            await File.WriteAllTextAsync(b, original);
        }
    }

    [Fact]
    public async Task ErrorsPage_InChromium_ShowsThePayloadEncodedAndNeverRunsIt()
    {
        var url = Page($"/batchkit/runs/{site.Run.RunKey.Value}/errors");

        var dom = await HeadlessChromium.DumpDomAsync(url);

        dom.Should().Contain("<table id=\"errors\"").And.Contain("a.jsonl");
        // Chromium serializes the text node back with &lt;: the payload was text, not markup.
        dom.Should().Contain("&lt;script&gt;document.title='owned'&lt;/script&gt;");
        dom.Should().NotContain(DashboardSite.BadLine);
        dom.Should().NotContain("<title>owned</title>");
        File.Exists(await HeadlessChromium.ScreenshotAsync(url, "errors")).Should().BeTrue();
    }

    [Fact]
    public async Task PartitionLink_ClickedInChromium_OpensThePartitionWithItsAttempts()
    {
        await using var browser = await ChromiumSession.StartAsync();
        await browser.NavigateAsync(Page("/batchkit/runs/" + site.Run.RunKey.Value));
        await browser.WaitForAsync("document.body.dataset.refreshes === '1'");

        await browser.ClickAsync("#partitions a[href$='/partitions/a']");

        await browser.WaitForAsync("document.getElementById('attempts') !== null");
        var dom = await browser.DomAsync();
        dom.Should().Contain("Partition a of orders").And.Contain("6 read, 5 written, 1 errors");
        dom.Should().Contain("<table id=\"attempts\"").And.Contain("st-Completed");
        await browser.ScreenshotAsync("partition");
    }

    [Fact]
    public async Task ErrorsPage_RawResponse_EncodesThePayload()
    {
        using var client = new HttpClient { BaseAddress = site.BaseAddress };

        var html = await client.GetStringAsync($"/batchkit/runs/{site.Run.RunKey.Value}/errors");

        html.Should().Contain("&lt;script&gt;").And.NotContain(DashboardSite.BadLine);
    }

    [Fact]
    public async Task PartitionsJson_ReturnsEveryPartitionWithRecords()
    {
        using var client = new HttpClient { BaseAddress = site.BaseAddress };

        var json = await client.GetStringAsync($"/batchkit/api/runs/{site.Run.RunKey.Value}/partitions");

        using var doc = System.Text.Json.JsonDocument.Parse(json);
        doc.RootElement.GetProperty("status").GetString().Should().Be("Completed");
        var partitions = doc.RootElement.GetProperty("partitions").EnumerateArray().ToList();
        partitions.Should().HaveCount(2);
        partitions.Sum(p => p.GetProperty("written").GetInt64()).Should().Be(8);
        partitions.Sum(p => p.GetProperty("errors").GetInt64()).Should().Be(1);
    }

    [Fact]
    public async Task Requests_UnknownRunOrStatus_AreAnsweredWithClientErrors()
    {
        using var client = new HttpClient { BaseAddress = site.BaseAddress };

        (await client.GetAsync("/batchkit/runs/no-such-run")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        var bad = await client.GetAsync("/batchkit/runs?status=Bogus");
        bad.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await bad.Content.ReadAsStringAsync()).Should().Contain("Bogus").And.Contain("Completed");
    }

    [Fact]
    public async Task Dashboard_IsReadOnly_PostIsNotAllowed()
    {
        using var client = new HttpClient { BaseAddress = site.BaseAddress };

        var response = await client.PostAsync($"/batchkit/runs/{site.Run.RunKey.Value}", new StringContent(""));

        response.StatusCode.Should().Be(HttpStatusCode.MethodNotAllowed);
    }
}
