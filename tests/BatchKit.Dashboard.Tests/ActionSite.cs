using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Data.Sqlite;

namespace BatchKit.Dashboard.Tests;

/// <summary>
/// A real ASP.NET Core app on Kestrel over a SQLite state file holding three runs of the "orders" job (300 records in
/// three row-range partitions), started on three different days: a clean run (five days ago), a run whose last
/// partition failed (three days ago); order 7 is invalid in each, so each run has one error record, and a run with one side effect in doubt (yesterday).
/// <see cref="ActionsEnabled"/> decides whether the host names an ActionsPolicy (admitting every user).
/// </summary>
public abstract class ActionSite : IAsyncLifetime
{
    private WebApplication? _app;

    protected abstract bool ActionsEnabled { get; }

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "batchkit-dashboard-actions-" + Guid.NewGuid().ToString("N"));

    public Uri BaseAddress { get; private set; } = null!;

    public string StorePath => Path.Combine(Root, "state.db");

    public RunResult CleanRun { get; private set; } = null!;

    public RunResult FailedRun { get; private set; } = null!;

    public RunResult DoubtRun { get; private set; } = null!;

    /// <summary>The UTC day <paramref name="daysAgo"/> days before today, as the runs page's date filters take it.</summary>
    public static string DayOf(int daysAgo) =>
        DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime.AddDays(-daysAgo)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Root);
        CleanRun = await RunAsync(5, RunParameters.Of("date", new DateOnly(2026, 11, 20)), doubtOn: -1, failFrom: long.MaxValue);
        FailedRun = await RunAsync(3, RunParameters.Of("date", new DateOnly(2026, 11, 22)), doubtOn: -1, failFrom: 250);
        DoubtRun = await RunAsync(1, RunParameters.Of("date", new DateOnly(2026, 11, 24)), doubtOn: 142, failFrom: long.MaxValue);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddSingleton<ICheckpointStore>(_ => new SqliteCheckpointStore(StorePath));
        if (ActionsEnabled)
        {
            builder.Services.AddAuthorization(o => o.AddPolicy("operators", p => p.RequireAssertion(_ => true)));
            builder.Services.AddAntiforgery();
        }

        _app = builder.Build();
        _app.MapBatchKitDashboard("/batchkit", o =>
        {
            if (ActionsEnabled)
            {
                o.ActionsPolicy = "operators";
            }
        });
        await _app.StartAsync();
        BaseAddress = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        SqliteConnection.ClearAllPools();
        Directory.Delete(Root, recursive: true);
    }

    private async Task<RunResult> RunAsync(int daysAgo, RunParameters parameters, long doubtOn, long failFrom)
    {
        // Each run sees a clock shifted into the past, so the runs page has runs of different days to filter.
        var time = new ShiftedTime(TimeSpan.FromDays(-daysAgo));
        await using var store = new SqliteCheckpointStore(StorePath, timeProvider: time);
        var doubted = 0;
        var job = Job.Create("orders")
            .ReadFrom(EnumerableSource<Order>.FromList([.. Enumerable.Range(1, 300).Select(i => new Order(i, "customer-" + (i % 7).ToString(CultureInfo.InvariantCulture)))]))
            .PartitionBy(Partitioners.RowRanges(300, 100))
            .Validate(o => o.Id == 7 ? "order 7 has no customer <b>" : null)
            .AddSideEffect(o => "receipt-" + o.Id.ToString(CultureInfo.InvariantCulture), (o, _, _) =>
                o.Id == doubtOn && Interlocked.Exchange(ref doubted, 1) == 0
                    ? throw new TimeoutException("the receipt service did not answer")
                    : ValueTask.CompletedTask)
            .Select(o => o.Id >= failFrom ? throw new BatchKitException($"order {o.Id} cannot be priced") { IsTransient = false } : o)
            .WriteTo(new JsonLinesSink<Order>(Path.Combine(Root, "output")))
            .WithCommitInterval(25)
            .Configure(o =>
            {
                o.Retry.BaseDelay = TimeSpan.FromMilliseconds(1);
                o.MaxPartitionAttempts = 2;
                o.MaxErrorRate = 0.05;
            })
            .UseTimeProvider(time)
            .UseCheckpointStore(store)
            .Build();
        return await new JobRunner(job).RunAsync(parameters);
    }

    public sealed record Order(long Id, string Customer);

    private sealed class ShiftedTime(TimeSpan shift) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + shift;
    }
}

/// <summary>The <see cref="ActionSite"/> whose host names an ActionsPolicy.</summary>
public sealed class ActionsEnabledSite : ActionSite
{
    protected override bool ActionsEnabled => true;
}

/// <summary>The <see cref="ActionSite"/> whose host names no policy: the dashboard is read-only.</summary>
public sealed class ReadOnlySite : ActionSite
{
    protected override bool ActionsEnabled => false;
}
