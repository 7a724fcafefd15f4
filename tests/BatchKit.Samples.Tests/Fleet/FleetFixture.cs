using System.Diagnostics;
using BatchKit.Tests.Support;
using NightlyAnalytics;

namespace BatchKit.Samples.Tests.Fleet;

/// <summary>
/// The inputs of the fleet tests, generated once: two days of events, and the warehouse of a clean single-process run
/// of each (DuckDB, the sample's default), the reference every multi-worker run is compared with row by row.
/// </summary>
public sealed class FleetFixture : IAsyncLifetime, IDisposable
{
    public static readonly DateOnly DayA = new(2026, 11, 22);
    public static readonly DateOnly DayB = new(2026, 11, 23);

    private readonly TempDirectory _dir = new();

    public string InputA => _dir.File("events-a");

    public string InputB => _dir.File("events-b");

    public List<string> ReferenceA { get; private set; } = [];

    public List<string> ReferenceB { get; private set; } = [];

    /// <summary>Gets the summary line fields of the clean run of day A.</summary>
    public Dictionary<string, string> SummaryA { get; private set; } = [];

    /// <summary>Gets how long the clean single-process run of day A took, process start included.</summary>
    public TimeSpan CleanRunTime { get; private set; }

    public string Folder(string name)
    {
        var path = _dir.File(name);
        Directory.CreateDirectory(path);
        return path;
    }

    public async Task InitializeAsync()
    {
        await EventGenerator.GenerateAsync(InputA, 40_000, files: 3, seed: 31, date: DayA);
        await EventGenerator.GenerateAsync(InputB, 25_000, files: 2, seed: 32, date: DayB);
        var clock = Stopwatch.StartNew();
        var a = await NightlyProcess.RunAsync("run", "--input", InputA, "--warehouse", _dir.File("ref-a.duckdb"), "--date", "2026-11-22", "--parallelism", "2");
        CleanRunTime = clock.Elapsed;
        a.ExitCode.Should().Be(0, a.Output + a.Error);
        SummaryA = NightlyProcess.Summary(a.Output);
        var b = await NightlyProcess.RunAsync("run", "--input", InputB, "--warehouse", _dir.File("ref-b.duckdb"), "--date", "2026-11-23", "--parallelism", "2");
        b.ExitCode.Should().Be(0, b.Output + b.Error);
        ReferenceA = FleetWarehouse.DuckDbRows(_dir.File("ref-a.duckdb"), DayA);
        ReferenceB = FleetWarehouse.DuckDbRows(_dir.File("ref-b.duckdb"), DayB);
        ReferenceA.Should().NotBeEmpty();
        ReferenceB.Should().NotBeEmpty();
    }

    public Task DisposeAsync()
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => _dir.Dispose();
}
