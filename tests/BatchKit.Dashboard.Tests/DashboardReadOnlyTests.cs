using System.Net;
using System.Text.RegularExpressions;

namespace BatchKit.Dashboard.Tests;

public sealed partial class DashboardReadOnlyTests(ReadOnlySite site) : IClassFixture<ReadOnlySite>
{
    private Uri Page(string path) => new(site.BaseAddress, path);

    [Fact]
    public async Task RunPages_WithoutActionsPolicy_ShowNoActionButtons()
    {
        await using var browser = await ChromiumSession.StartAsync();
        await browser.NavigateAsync(Page("/batchkit/runs/" + site.FailedRun.RunKey.Value));
        var failed = await browser.DomAsync();
        await browser.NavigateAsync(Page("/batchkit/runs/" + site.DoubtRun.RunKey.Value));
        var doubt = await browser.DomAsync();

        failed.Should().Contain("st-Failed").And.NotContain("<form class=\"action\"").And.NotContain("retry-failed");
        doubt.Should().Contain("<table id=\"in-doubt\"").And.NotContain("<form class=\"action\"").And.NotContain("happened-0");
    }

    [Fact]
    public async Task ActionPosts_WithoutActionsPolicy_DoNotExist()
    {
        using var client = new HttpClient { BaseAddress = site.BaseAddress };

        var retry = await client.PostAsync($"/batchkit/runs/{site.FailedRun.RunKey.Value}/actions/retry-failed", new FormUrlEncodedContent([]));
        var resolve = await client.PostAsync($"/batchkit/runs/{site.DoubtRun.RunKey.Value}/actions/resolve",
            new FormUrlEncodedContent([new("key", "any"), new("outcome", "happened")]));

        var cancel = await client.PostAsync($"/batchkit/runs/{site.FailedRun.RunKey.Value}/actions/cancel", new FormUrlEncodedContent([]));

        retry.StatusCode.Should().Be(HttpStatusCode.NotFound);
        resolve.StatusCode.Should().Be(HttpStatusCode.NotFound);
        cancel.StatusCode.Should().Be(HttpStatusCode.NotFound);
        await using var store = new SqliteCheckpointStore(site.StorePath);
        (await store.GetPartitionStatesAsync(site.FailedRun.RunKey.Value, CancellationToken.None)).Should().Contain(s => s.Status == PartitionStatus.Failed);
        (await store.ListInDoubtEffectsAsync(site.DoubtRun.RunKey.Value, CancellationToken.None)).Should().ContainSingle();
    }

    [Fact]
    public async Task ErrorsPage_WithoutPayloadPolicy_HidesPayloads()
    {
        using var client = new HttpClient { BaseAddress = site.BaseAddress };

        var html = await client.GetStringAsync($"/batchkit/runs/{site.FailedRun.RunKey.Value}/errors");

        html.Should().Contain("<table id=\"errors\"").And.Contain("order 7 has no customer &lt;b&gt;").And.Contain("id=\"payloads-hidden\"").And.NotContain("class=\"payload\"").And.NotContain("customer-0");
    }

    [Fact]
    public async Task RunsPage_InChromium_FiltersByStatusAndDate()
    {
        await using var browser = await ChromiumSession.StartAsync();

        await browser.NavigateAsync(Page("/batchkit/runs?job=orders"));
        RunKeys(await browser.DomAsync()).Should().BeEquivalentTo([site.CleanRun.RunKey.Value, site.FailedRun.RunKey.Value, site.DoubtRun.RunKey.Value]);

        await browser.NavigateAsync(Page("/batchkit/runs?job=orders&status=Failed"));
        RunKeys(await browser.DomAsync()).Should().Equal(site.FailedRun.RunKey.Value);

        await browser.NavigateAsync(Page($"/batchkit/runs?job=orders&from={ActionSite.DayOf(4)}"));
        RunKeys(await browser.DomAsync()).Should().BeEquivalentTo([site.FailedRun.RunKey.Value, site.DoubtRun.RunKey.Value]);

        await browser.NavigateAsync(Page($"/batchkit/runs?job=orders&from={ActionSite.DayOf(4)}&to={ActionSite.DayOf(2)}"));
        RunKeys(await browser.DomAsync()).Should().Equal(site.FailedRun.RunKey.Value);
        await browser.ScreenshotAsync("runs-filtered-by-date");

        await browser.NavigateAsync(Page($"/batchkit/runs?job=orders&to={ActionSite.DayOf(6)}"));
        (await browser.DomAsync()).Should().Contain("id=\"no-runs\"");
    }

    [Fact]
    public async Task RunsPage_InChromium_DrawsOneDurationBarPerRun()
    {
        await using var browser = await ChromiumSession.StartAsync();
        await browser.NavigateAsync(Page("/batchkit/runs?job=orders"));

        var bars = await browser.EvaluateAsync(
            "JSON.stringify(Array.from(document.querySelectorAll('svg.duration-trend[data-job=\"orders\"] rect.bar')).map(function(r){return [r.dataset.runKey, r.getBBox().height];}))");
        var rows = await browser.EvaluateAsync("document.querySelectorAll('#runs tbody tr').length");
        await browser.ScreenshotAsync("runs-duration-trend");

        var parsed = System.Text.Json.JsonSerializer.Deserialize<List<List<System.Text.Json.JsonElement>>>(bars!.GetValue<string>())!;
        parsed.Should().HaveCount(rows!.GetValue<int>()).And.HaveCount(3);
        // Oldest first: the clean run (five days ago), the failed one, the one with a doubt (yesterday).
        parsed.Select(b => b[0].GetString()).Should().Equal(site.CleanRun.RunKey.Value, site.FailedRun.RunKey.Value, site.DoubtRun.RunKey.Value);
        parsed.Should().OnlyContain(b => b[1].GetDouble() >= 1, "every run has a visible bar");
    }

    [Fact]
    public async Task RunsPage_BadDate_IsABadRequestNamingTheFilter()
    {
        using var client = new HttpClient { BaseAddress = site.BaseAddress };

        var response = await client.GetAsync("/batchkit/runs?from=30.11.2026");

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).Should().Contain("'from'").And.Contain("yyyy-MM-dd");
    }

    private static List<string> RunKeys(string dom) =>
        [.. RunRow().Matches(dom).Select(m => m.Groups[1].Value)];

    [GeneratedRegex("<tr data-run-key=\"([0-9a-f]{64})\"")]
    private static partial Regex RunRow();
}
