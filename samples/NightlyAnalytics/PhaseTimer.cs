using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace NightlyAnalytics;

/// <summary>
/// Splits a run's time into the extract phase (reading the input into staging) and the partition phase (aggregating
/// and loading), by watching the job's partition-completed log events.
/// </summary>
internal sealed class PhaseTimer : ILoggerFactory, ILogger
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _extractEndTicks;
    private long _lastEndTicks;

    /// <summary>Gets the time from the run's start (lease taken, plan made) until the last extract partition completed (zero when none ran).</summary>
    public TimeSpan Extract => TimeSpan.FromTicks(Interlocked.Read(ref _extractEndTicks));

    /// <summary>Gets the time from the end of the extract phase until the last partition completed.</summary>
    public TimeSpan Partitions => TimeSpan.FromTicks(Math.Max(0, Interlocked.Read(ref _lastEndTicks) - Interlocked.Read(ref _extractEndTicks)));

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (eventId.Name == "RunStarted")
        {
            // Phases are measured from the moment the run holds its lease and has its plan.
            _clock.Restart();
            return;
        }

        if (eventId.Name != "PartitionCompleted" || state is not IReadOnlyList<KeyValuePair<string, object?>> values)
        {
            return;
        }

        var now = _clock.Elapsed.Ticks;
        var id = values.FirstOrDefault(v => v.Key == "PartitionId").Value as string;
        Max(ref _lastEndTicks, now);
        if (id is not null && id.StartsWith("extract-", StringComparison.Ordinal))
        {
            Max(ref _extractEndTicks, now);
        }
    }

    private static void Max(ref long target, long value)
    {
        long current;
        while (value > (current = Interlocked.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
