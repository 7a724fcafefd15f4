using Microsoft.Extensions.Time.Testing;

namespace BatchKit.Cli.Tests.History;

/// <summary>RunHistory's calculations on histories written with a fake clock, in a real store that keeps history; derived classes give the store.</summary>
public abstract class RunHistoryTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "batchkit-history-tests-" + Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 1, 2, 0, 0, TimeSpan.Zero));

    protected RunHistoryTests() => Directory.CreateDirectory(_root);

    protected string Root => _root;

    protected FakeTimeProvider Time => _time;

    public Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync()
    {
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>Creates an empty store named <paramref name="name"/> on the given clock, with the batchkit arguments that open it.</summary>
    protected abstract (ICheckpointStore Store, CliStore Cli) CreateStore(string name, TimeProvider? timeProvider);

    /// <summary>Writes one run with the given attempts (duration, status) through the store contract, advancing the fake clock.</summary>
    protected async Task<string> CraftRunAsync(ICheckpointStore store, int day, params (TimeSpan Duration, RunStatus Status)[] attempts)
    {
        var key = new RunKey("nightly", RunParameters.Of("date", new DateOnly(2026, 11, day)));
        var number = 0;
        foreach (var (duration, status) in attempts)
        {
            var owner = "host/1/1/" + day + "-" + ++number;
            var (lease, _) = await store.AcquireRunAsync(key, owner, TimeSpan.FromHours(5), CancellationToken.None);
            await store.CountRunAttemptAsync(lease, CancellationToken.None);
            var started = _time.GetUtcNow();
            await store.RecordRunAttemptAsync(new RunAttempt(key.Value, owner, number, lease.Epoch, started, null, RunStatus.Running), CancellationToken.None);
            _time.Advance(duration);
            await store.SetRunStatusAsync(lease, status, status == RunStatus.Completed ? null : "it broke", release: true, CancellationToken.None);
            await store.RecordRunAttemptAsync(new RunAttempt(key.Value, owner, number, lease.Epoch, started, _time.GetUtcNow(), status), CancellationToken.None);
            _time.Advance(TimeSpan.FromHours(1)); // a pause between attempts is not part of the run's duration
        }

        _time.Advance(TimeSpan.FromDays(1) - TimeSpan.FromHours(attempts.Length));
        return key.Value;
    }

    [Fact]
    public async Task DurationTrend_SumsAttempts_OldestFirst()
    {
        var (store, cliStore) = CreateStore("state", _time);
        await using var _ = store;
        var first = await CraftRunAsync(store, 1, (TimeSpan.FromMinutes(10), RunStatus.Completed));
        var second = await CraftRunAsync(store, 2, (TimeSpan.FromMinutes(4), RunStatus.Failed), (TimeSpan.FromMinutes(7), RunStatus.Completed));
        var third = await CraftRunAsync(store, 3, (TimeSpan.FromMinutes(30), RunStatus.TimedOut));

        var trend = await new RunHistory(store).DurationTrendAsync("nightly");

        trend.Select(p => p.RunKey).Should().Equal(first, second, third);
        trend.Select(p => p.Duration).Should().Equal(TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(11), TimeSpan.FromMinutes(30));
        trend.Select(p => p.Status).Should().Equal(RunStatus.Completed, RunStatus.Completed, RunStatus.TimedOut);
        var cli = await cliStore.RunAsync("trend", "nightly", "--json");
        cli.Json.EnumerateArray().Select(p => p.GetProperty("durationSeconds").GetDouble()).Should().Equal(600, 660, 1800);
    }

    [Fact]
    public async Task Availability_CountsRunsStartedInTheWindowByTheirCurrentStatus()
    {
        var (store, _) = CreateStore("state", _time);
        await using var __ = store;
        await CraftRunAsync(store, 1, (TimeSpan.FromMinutes(1), RunStatus.Failed)); // outside a 4.5-day window at the end
        await CraftRunAsync(store, 2, (TimeSpan.FromMinutes(1), RunStatus.Completed));
        await CraftRunAsync(store, 3, (TimeSpan.FromMinutes(1), RunStatus.Failed), (TimeSpan.FromMinutes(1), RunStatus.Completed));
        await CraftRunAsync(store, 4, (TimeSpan.FromMinutes(1), RunStatus.Failed));
        await CraftRunAsync(store, 5, (TimeSpan.FromMinutes(1), RunStatus.CompletedWithDoubts));
        var history = new RunHistory(store);

        var window = await history.AvailabilityAsync("nightly", TimeSpan.FromDays(4.5), _time.GetUtcNow());
        var all = await history.AvailabilityAsync("nightly", TimeSpan.FromDays(30), _time.GetUtcNow());
        var none = await history.AvailabilityAsync("other-job", TimeSpan.FromDays(30), _time.GetUtcNow());

        window.Runs.Should().Be(4);
        window.Completed.Should().Be(2, "a run completed by its second attempt counts as completed; one with doubts does not");
        window.Availability.Should().Be(0.5);
        all.Runs.Should().Be(5);
        all.Availability.Should().Be(0.4);
        none.Availability.Should().BeNull();
    }

    [Fact]
    public async Task RealRun_PartitionAttempts_HaveTimesOwnerAndCountsOfEachAttempt()
    {
        var failOnce = 1;
        var (store, _) = CreateStore("real", null);
        await using var __ = store;
        var job = Job.Create("flaky")
            .ReadFrom(EnumerableSource<Order>.FromList(StoreFixture.Orders()))
            .PartitionBy(Partitioners.RowRanges(300, 150))
            .Select(o => o.Id == 200 && Interlocked.Exchange(ref failOnce, 0) == 1 ? throw new IOException("disk hiccup") : o)
            .WriteTo(new JsonLinesSink<Order>(Path.Combine(_root, "out")))
            .ConfigureSkip(s => s.IsSkippable = _ => false)
            .WithCommitInterval(10)
            .Configure(o => o.Retry.BaseDelay = TimeSpan.FromMilliseconds(1))
            .UseCheckpointStore(store)
            .Build();

        var result = await new JobRunner(job).RunAsync(RunParameters.Of("date", new DateOnly(2026, 11, 24)));

        result.Status.Should().Be(RunStatus.Completed);
        var attempts = await store.ListPartitionAttemptsAsync(result.RunKey.Value, CancellationToken.None);
        attempts.Where(a => a.PartitionId == "rows-0000").Should().ContainSingle().Which.Should().Match<PartitionAttempt>(a => a.Status == PartitionStatus.Completed && a.RecordsWritten == 150 && a.EndedAt >= a.StartedAt);
        var flaky = attempts.Where(a => a.PartitionId == "rows-0001").OrderBy(a => a.Attempt).ToList();
        flaky.Select(a => a.Status).Should().Equal(PartitionStatus.Failed, PartitionStatus.Completed);
        flaky[0].Error.Should().Contain("IOException: disk hiccup");
        flaky[0].RecordsRead.Should().BeInRange(0, 40, "the failed attempt committed at most the 4 chunks of 10 before order 200");
        (flaky[0].RecordsRead % 10).Should().Be(0, "counts are those of committed chunks");
        flaky[1].RecordsWritten.Should().Be(150);
        flaky.Should().OnlyContain(a => a.Owner.StartsWith(Environment.MachineName + "/" + Environment.ProcessId + "/", StringComparison.Ordinal));

        var summaries = await new RunHistory(store).GetPartitionsAsync(result.RunKey.Value);
        summaries[1].Attempts.Should().Be(2);
        summaries[1].StartedAt.Should().Be(flaky[0].StartedAt);
        summaries[1].EndedAt.Should().Be(flaky[1].EndedAt);
        summaries[1].Duration.Should().Be(flaky[0].Duration!.Value + flaky[1].Duration!.Value);
    }
}
