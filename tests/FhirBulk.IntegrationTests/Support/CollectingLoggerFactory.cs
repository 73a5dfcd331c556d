using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace FhirBulk.IntegrationTests.Support;

/// <summary>Keeps every formatted log message (all levels), so tests can check that no secret was logged.</summary>
public sealed class CollectingLoggerFactory : ILoggerFactory
{
    public ConcurrentQueue<string> Messages { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose()
    {
    }

    private sealed class Logger(CollectingLoggerFactory factory) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            factory.Messages.Enqueue($"{logLevel} {eventId.Id} {formatter(state, exception)} {exception}");
    }
}
