using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace FhirBulk.Cli.Rendering;

/// <summary>
/// Writes the library's log to the error console. Without <c>--verbose</c> a warning reads like
/// the CLI's own ("warning: …", one line), since a category such as <c>FhirBulk.BulkDataClient[2]</c>
/// means nothing to a user; with it, every line names its level, category and event for debugging.
/// </summary>
internal sealed class ConsoleLoggerProvider(IAnsiConsole console, bool verbose) : ILoggerProvider
{
    // Downloads log from several threads at once; a line must not be cut by another.
    private readonly Lock gate = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private void Write(string category, LogLevel level, EventId eventId, string message, Exception? exception)
    {
        lock (gate)
        {
            if (!verbose)
            {
                MessageLines.Warning(console, message);
                return;
            }

            console.Profile.Out.Writer.WriteLine($"{Abbreviation(level)}: {category}[{eventId.Id}] {MessageLines.OneLine(message)}");
            if (exception is not null)
            {
                console.Profile.Out.Writer.WriteLine(exception.ToString());
            }
        }
    }

    private static string Abbreviation(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        _ => "crit",
    };

    private sealed class Logger(ConsoleLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                provider.Write(category, logLevel, eventId, formatter(state, exception), exception);
            }
        }
    }
}
