using System.Text.Json;

namespace FhirBulk;

/// <summary>
/// The one wording of .NET failures that reach a person: positions counted from 1, and none of the framework's internals
/// (<c>LineNumber: 0 | BytePositionInLine: 149</c>, <c>(Parameter 'x')</c>, <c>Actual value was …</c>).
/// </summary>
public static class ErrorText
{
    /// <summary>A JSON parse failure as <c>what went wrong (line L, byte B)</c>, both counted from 1.</summary>
    /// <param name="exception">The System.Text.Json failure.</param>
    /// <returns>The text.</returns>
    public static string Describe(JsonException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var message = WithoutPosition(exception);
        return exception.LineNumber is { } line && exception.BytePositionInLine is { } position
            ? $"{message} (line {line + 1}, byte {position + 1})"
            : message;
    }

    /// <summary>A JSON parse failure's own words, without the 0-based position and path .NET appends, for callers that place it themselves.</summary>
    /// <param name="exception">The System.Text.Json failure.</param>
    /// <returns>The text.</returns>
    public static string WithoutPosition(JsonException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var message = exception.Message;

        // .NET appends " Path: $.a | LineNumber: 0 | BytePositionInLine: 12." (the path only when it knows one).
        var path = message.IndexOf(" Path: ", StringComparison.Ordinal);
        var position = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        var internals = path < 0 ? position : position < 0 ? path : Math.Min(path, position);
        var text = internals < 0 ? message : message[..internals];

        // Advice for whoever configured the reader ("a trailing comma ... which is not supported in this mode. Change
        // the reader options."), which a user who wrote the file cannot act on: the fault itself is what they need.
        foreach (var advice in DeveloperAdvice)
        {
            text = text.Replace(advice, string.Empty, StringComparison.Ordinal);
        }

        return text.TrimEnd(' ', '.', '|');
    }

    private static readonly string[] DeveloperAdvice = [" Change the reader options.", " which is not supported in this mode", " which is not allowed in this mode"];

    /// <summary>An argument failure's own message, without the parameter name and value .NET appends for developers.</summary>
    /// <param name="exception">The argument failure.</param>
    /// <returns>The text.</returns>
    public static string WithoutParameter(ArgumentException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var message = exception.Message;
        var parameter = message.IndexOf(" (Parameter '", StringComparison.Ordinal);
        return parameter < 0 ? message.Split('\n')[0].TrimEnd() : message[..parameter];
    }
}
