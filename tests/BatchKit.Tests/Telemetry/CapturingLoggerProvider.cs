using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace BatchKit.Tests.Telemetry;

/// <summary>A logger provider that keeps every event: category, id, name, level, message and exception.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<LoggedEvent> Events { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    public sealed record LoggedEvent(string Category, EventId EventId, LogLevel Level, string Message, Exception? Exception);

    private sealed class Logger(CapturingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            provider.Events.Enqueue(new LoggedEvent(category, eventId, logLevel, formatter(state, exception), exception));
    }
}
