namespace BatchKit.Dashboard.Tests;

/// <summary>The dashboard over a PostgreSQL store with a real run, rendered by Chromium.</summary>
public sealed class PostgresDashboardTests(PostgresDashboardSite site) : IClassFixture<PostgresDashboardSite>
{
    private Uri Page(string path) => new(site.BaseAddress, path);

    [Fact]
    public async Task RunsAndRunPages_InChromium_ShowTheRunAndItsPartitionsFromPostgres()
    {
        site.Run.Status.Should().Be(RunStatus.Completed);
        var runKey = site.Run.RunKey.Value;

        var runs = await HeadlessChromium.DumpDomAsync(Page("/batchkit/runs?job=orders"));
        var run = await HeadlessChromium.DumpDomAsync(Page("/batchkit/runs/" + runKey));

        runs.Should().Contain($"data-run-key=\"{runKey}\"").And.Contain("st-Completed");
        run.Should().Contain("<table id=\"partitions\"").And.Contain("/partitions/a\">a</a></td>").And.Contain("/partitions/b\">b</a></td>");
        run.Should().Contain("<td class=\"num\">6</td><td class=\"num\">5</td><td class=\"num\">1</td>", "partition a read 6 records, wrote 5 and stored 1 error");
        run.Should().Contain("data-refreshes=\"1\"", "the page's poll read the partitions JSON from the same store");
        File.Exists(await HeadlessChromium.ScreenshotAsync(Page("/batchkit/runs/" + runKey), "run-postgres")).Should().BeTrue();
    }
}
