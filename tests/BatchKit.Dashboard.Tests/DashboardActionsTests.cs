using System.Net;

namespace BatchKit.Dashboard.Tests;

public sealed class DashboardActionsTests(ActionsEnabledSite site) : IClassFixture<ActionsEnabledSite>
{
    private Uri Page(string path) => new(site.BaseAddress, path);

    [Fact]
    public async Task RetryFailed_ClickedInChromium_MakesTheFailedPartitionsPending()
    {
        site.FailedRun.Status.Should().Be(RunStatus.Failed);
        var runKey = site.FailedRun.RunKey.Value;
        await using var browser = await ChromiumSession.StartAsync();
        await browser.NavigateAsync(Page("/batchkit/runs/" + runKey));
        (await browser.DomAsync()).Should().Contain("st-Failed");
        await browser.ScreenshotAsync("actions-before-retry");

        await browser.ClickAsync("#retry-failed");

        // The POST redirects back to the run page, whose partitions now show the reopened one pending.
        await browser.WaitForAsync("document.querySelector('#partitions') && !document.querySelector('#retry-failed') && document.querySelectorAll('#partitions .st-Pending').length === 1");
        await browser.ScreenshotAsync("actions-after-retry");
        await using var store = new SqliteCheckpointStore(site.StorePath);
        var states = await store.GetPartitionStatesAsync(runKey, CancellationToken.None);
        states.Should().HaveCount(3);
        states.Count(s => s.Status == PartitionStatus.Pending).Should().Be(1);
        states.Should().NotContain(s => s.Status == PartitionStatus.Failed);
        states.Count(s => s.Status == PartitionStatus.Completed).Should().Be(2);
        (await store.GetRunAsync(runKey, CancellationToken.None))!.LeaseOwner.Should().BeNull("the action released the run lease it took");
    }

    [Fact]
    public async Task ResolveHappened_ClickedInChromium_LeavesNoEffectInDoubt()
    {
        var runKey = site.DoubtRun.RunKey.Value;
        string key;
        await using (var before = new SqliteCheckpointStore(site.StorePath))
        {
            // The side effect of order 142 timed out once: its (hashed) idempotency key is in doubt.
            key = (await before.ListInDoubtEffectsAsync(runKey, CancellationToken.None)).Should().ContainSingle().Subject.Key;
        }

        await using var browser = await ChromiumSession.StartAsync();
        await browser.NavigateAsync(Page("/batchkit/runs/" + runKey));
        (await browser.DomAsync()).Should().Contain(key).And.Contain("id=\"not-happened-0\"");

        await browser.ClickAsync("#happened-0");

        await browser.WaitForAsync("document.getElementById('no-in-doubt') !== null");
        await browser.ScreenshotAsync("actions-after-resolve");
        await using var store = new SqliteCheckpointStore(site.StorePath);
        (await store.ListInDoubtEffectsAsync(runKey, CancellationToken.None)).Should().BeEmpty();
    }

    [Fact]
    public async Task CancelRun_ClickedInChromiumWhileTheRunIsRunning_StopsItsWorkerCancelledAndResumable()
    {
        // A run of another job in this process, slowed down by its sink, on the dashboard's state file.
        await using var store = new SqliteCheckpointStore(site.StorePath);
        var written = 0;
        var job = Job.Create("slow-orders")
            .ReadFrom(EnumerableSource<int>.FromList([.. Enumerable.Range(1, 3_000)]))
            .PartitionBy(Partitioners.RowRanges(3_000, 1_000))
            .WriteTo(new DelegateSink<int>(async (_, records, token) =>
            {
                await Task.Delay(100, token);
                Interlocked.Add(ref written, records.Length);
            }))
            .WithCommitInterval(10)
            .WithParallelism(1)
            .UseCheckpointStore(store)
            .Build();
        var parameters = RunParameters.Of("date", new DateOnly(2026, 11, 25));
        var running = new JobRunner(job).RunAsync(parameters);
        var runKey = new RunKey("slow-orders", parameters).Value;
        while (Volatile.Read(ref written) == 0 && !running.IsCompleted)
        {
            await Task.Delay(20);
        }

        await using var browser = await ChromiumSession.StartAsync();
        await browser.NavigateAsync(Page("/batchkit/runs/" + runKey));
        (await browser.DomAsync()).Should().Contain("st-Running").And.Contain("id=\"cancel-run\"");

        await browser.ClickAsync("#cancel-run");

        var result = await running.WaitAsync(TimeSpan.FromSeconds(60));
        result.Status.Should().Be(RunStatus.Cancelled);
        result.Exception.Should().BeOfType<RunCancelledException>().Which.RequestedBy.Should().StartWith("batchkit-dashboard/");
        result.RecordsWritten.Should().BeLessThan(3_000, "the run stopped at a chunk boundary, long before its end");
        await browser.NavigateAsync(Page("/batchkit/runs/" + runKey));
        await browser.WaitForAsync("document.getElementById('cancelled-by') !== null && document.querySelector('#run-status .st-Cancelled') !== null && !document.querySelector('#cancel-run')");
        await browser.ScreenshotAsync("actions-after-cancel");
        var record = (await store.GetRunAsync(runKey, CancellationToken.None))!;
        record.Status.Should().Be(RunStatus.Cancelled);
        record.CancelRequestedBy.Should().StartWith("batchkit-dashboard/");
        (await store.GetPartitionStatesAsync(runKey, CancellationToken.None)).Should().OnlyContain(p => p.LeaseOwner == null);

        var resumed = await new JobRunner(job).RunAsync(parameters, new RunOptions { ResumeCancelled = true });
        resumed.Status.Should().Be(RunStatus.Completed);
        resumed.RecordsWritten.Should().Be(3_000);
    }

    [Fact]
    public async Task CancelPost_WithoutAntiforgeryToken_IsRefusedAndChangesNothing()
    {
        using var client = new HttpClient { BaseAddress = site.BaseAddress };
        var runKey = site.FailedRun.RunKey.Value;

        var response = await client.PostAsync($"/batchkit/runs/{runKey}/actions/cancel", new FormUrlEncodedContent([]));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).Should().Contain("antiforgery");
        await using var store = new SqliteCheckpointStore(site.StorePath);
        (await store.GetRunAsync(runKey, CancellationToken.None))!.CancelRequestedAt.Should().BeNull();
    }

    [Fact]
    public async Task ActionPost_WithoutAntiforgeryToken_IsRefusedAndChangesNothing()
    {
        using var client = new HttpClient { BaseAddress = site.BaseAddress };
        var runKey = site.DoubtRun.RunKey.Value;

        var response = await client.PostAsync($"/batchkit/runs/{runKey}/actions/resolve",
            new FormUrlEncodedContent([new("key", "any"), new("outcome", "not-happened")]));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).Should().Contain("antiforgery");
    }

    [Fact]
    public async Task CleanRun_HasNoRetryButton()
    {
        await using var browser = await ChromiumSession.StartAsync();
        await browser.NavigateAsync(Page("/batchkit/runs/" + site.CleanRun.RunKey.Value));

        var dom = await browser.DomAsync();

        dom.Should().Contain("st-Completed").And.NotContain("retry-failed").And.NotContain("cancel-run", "a completed run cannot be cancelled");
    }
}
