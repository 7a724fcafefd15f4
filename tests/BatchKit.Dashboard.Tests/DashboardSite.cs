using BatchKit.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BatchKit.Dashboard.Tests;

/// <summary>
/// A real ASP.NET Core app on Kestrel (127.0.0.1, a free port) with AddBatchKit over a SQLite state file and the
/// dashboard at /batchkit (payloads shown to every user, no actions); one run of the "orders" job (two input files, one bad line carrying markup) is already done.
/// </summary>
public class DashboardSite : IAsyncLifetime
{
    public const string BadLine = "<script>document.title='owned'</script>";

    private WebApplication? _app;

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "batchkit-dashboard-" + Guid.NewGuid().ToString("N"));

    public Uri BaseAddress { get; private set; } = null!;

    public RunResult Run { get; private set; } = null!;

    /// <summary>Gets the "orders" job as the app registered it.</summary>
    public Job OrdersJob { get; private set; } = null!;

    /// <summary>Gets the folder of the orders job's input files (a.jsonl, b.jsonl).</summary>
    public string Input => Path.Combine(Root, "input");

    public async Task InitializeAsync()
    {
        var input = Directory.CreateDirectory(Path.Combine(Root, "input")).FullName;
        await File.WriteAllLinesAsync(Path.Combine(input, "a.jsonl"),
            [.. Enumerable.Range(1, 5).Select(i => $"{{\"Id\":{i},\"Name\":\"a{i}\"}}"), BadLine]);
        await File.WriteAllLinesAsync(Path.Combine(input, "b.jsonl"),
            [.. Enumerable.Range(6, 3).Select(i => $"{{\"Id\":{i},\"Name\":\"b{i}\"}}")]);
        var output = Path.Combine(Root, "output");

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddBatchKit(b => UseStore(b
            .AddJob(
                "orders",
                (sp, job) => job
                    .ReadFrom(new JsonLinesSource<Order>())
                    .PartitionBy(Partitioners.Files(input, "*.jsonl"))
                    .WriteTo(new JsonLinesSink<Order>(output))
                    .Configure(o => o.MaxErrorRate = 1),
                s =>
                {
                    s.Cron = "0 0 3 * * *";
                    s.Input = "input/*.jsonl";
                })
            .Configure(o => o.SchedulerEnabled = false)));
        builder.Services.AddAuthorization(o => o.AddPolicy("payload-readers", p => p.RequireAssertion(_ => true)));
        _app = builder.Build();
        _app.MapBatchKitDashboard("/batchkit", o => o.PayloadPolicy = "payload-readers");
        await _app.StartAsync();

        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        BaseAddress = new Uri(address);

        OrdersJob = _app.Services.GetRequiredService<IBatchJobInventory>().GetJob("orders");
        Run = await new JobRunner(OrdersJob).RunAsync(RunParameters.Of("date", new DateOnly(2026, 11, 30)));
    }

    public virtual async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        Directory.Delete(Root, recursive: true);
    }

    /// <summary>Chooses the state store the app registers: a SQLite file here; a derived site may use another store.</summary>
    protected virtual BatchKitBuilder UseStore(BatchKitBuilder builder) => builder.UseSqliteStore(Path.Combine(Root, "state.db"));

    public sealed record Order(long Id, string Name);
}
