using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace BatchKit.Hosting.Tests.Support;

/// <summary>A Generic Host with BatchKit over a SQLite state file in a temp folder and a fake clock.</summary>
public sealed class HostedTestJob : IAsyncDisposable
{
    private HostedTestJob(IHost host, FakeTimeProvider time, string statePath)
    {
        Host = host;
        Time = time;
        StatePath = statePath;
    }

    public IHost Host { get; }

    public FakeTimeProvider Time { get; }

    public string StatePath { get; }

    public static readonly Func<ScheduledOccurrence, RunParameters> DateAndInstant =
        o => RunParameters.Of("date", o.BusinessDate).With("at", o.Time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ"));

    /// <summary>Builds (not starts) a host whose jobs each read 10 records and write them to <paramref name="written"/>.</summary>
    public static HostedTestJob Create(
        string statePath,
        FakeTimeProvider time,
        Action<BatchKitBuilder> jobs,
        IDictionary<string, string?>? configuration = null,
        Action<IServiceCollection>? services = null)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(configuration ?? new Dictionary<string, string?>());
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddBatchKit(b =>
        {
            jobs(b);
            b.UseSqliteStore(statePath);
        });
        services?.Invoke(builder.Services);
        return new HostedTestJob(builder.Build(), time, statePath);
    }

    /// <summary>Defines a small job of 10 records whose sink counts the records written per run.</summary>
    public static JobBuilder<int> Numbers(JobBuilder job, ConcurrentDictionary<string, int> written, Func<CancellationToken, ValueTask>? perChunk = null) => job
        .ReadFrom(EnumerableSource<int>.FromList(Enumerable.Range(1, 10).ToList()))
        .WriteTo(new DelegateSink<int>(async (context, records, ct) =>
        {
            if (perChunk is not null)
            {
                await perChunk(ct);
            }

            written.AddOrUpdate(context.RunKey.ToString(), records.Length, (_, n) => n + records.Length);
        }))
        .WithCommitInterval(5);

    public async Task<IReadOnlyList<RunRecord>> RunsAsync(string job)
    {
        await using var store = new SqliteCheckpointStore(StatePath);
        return await store.ListRunsAsync(job, 1000, CancellationToken.None);
    }

    public async Task<IReadOnlyList<RunRecord>> WaitForRunsAsync(string job, int count, RunStatus status = RunStatus.Completed)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        while (true)
        {
            var runs = await RunsAsync(job);
            if (runs.Count(r => r.Status == status) >= count)
            {
                return runs;
            }

            await Task.Delay(25, timeout.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await Host.StopAsync(stop.Token);
        await ((IAsyncDisposable)Host).DisposeAsync();
    }
}
