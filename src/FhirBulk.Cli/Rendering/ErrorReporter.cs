using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Spectre.Console;

namespace FhirBulk.Cli.Rendering;

/// <summary>
/// Turns a failure into one readable message on stderr and the documented exit code. Stack
/// traces appear only for unexpected failures, and then only with <c>--verbose</c>.
/// </summary>
internal static class ErrorReporter
{
    /// <param name="context">Where to write.</param>
    /// <param name="exception">The failure.</param>
    /// <param name="verbose">Whether a stack trace may follow an unexpected failure.</param>
    /// <param name="json">With <c>--json</c>: the failure is also the one JSON document on stdout, so a script reading it gets one.</param>
    /// <param name="usageHint">
    /// The hint of a usage error (exit 2) that has none of its own, <c>Run 'fhir-bulk COMMAND --help' for the options.</c>: a
    /// wrong option value a command finds itself gets the same next step as one System.CommandLine finds.
    /// </param>
    public static int Report(CliContext context, Exception exception, bool verbose, bool json, string? usageHint = null)
    {
        var (code, message) = Classify(exception);
        var hint = exception is CliException { Hint: { } h } ? h : code == ExitCodes.Usage ? usageHint : null;
        Write(context, message, code, hint, json);
        if (code == ExitCodes.InternalError && verbose)
        {
            // Spectre's formatter reads the stack by reflection that needs the JIT; the Native AOT build prints the runtime's own trace.
            if (RuntimeFeature.IsDynamicCodeSupported)
            {
                context.Error.WriteException(exception);
            }
            else
            {
                context.Error.Profile.Out.Writer.WriteLine(exception.ToString());
            }
        }

        return code;
    }

    /// <summary>
    /// The failure's <c>error:</c> line on stderr, then its hint exactly as written (never wrapped, so that a command in it
    /// pastes as printed), and with <c>--json</c> the failure as the one document on stdout.
    /// </summary>
    public static void Write(CliContext context, string message, int exitCode, string? hint, bool json)
    {
        MessageLines.Error(context.Error, message);
        if (hint is not null)
        {
            context.Error.Profile.Out.Writer.WriteLine(hint);
        }

        if (json)
        {
            WriteJson(context, message, exitCode, hint);
        }
    }

    /// <summary>The failure as <c>--json</c> output: <c>{"error": {"message": …, "exitCode": N, "hint": …}}</c> (documented in docs/cli.md).</summary>
    public static void WriteJson(CliContext context, string message, int exitCode, string? hint = null) =>
        JsonOutput.Write(context.Out, new ErrorJson(new(message, exitCode, hint)));

    public static (int Code, string Message) Classify(Exception exception) => exception switch
    {
        CliException e => (e.ExitCode, e.Message),
        OperationCanceledException => (ExitCodes.Cancelled, "cancelled."),
        // The library's own message says what was looked for ("DuckDB database 'x' does not exist."); only the runtime's
        // generic one ("Could not find file '/abs/x'.") is reworded.
        FileNotFoundException e => (ExitCodes.InvalidInput, e.FileName is not null && e.Message.StartsWith("Could not find file", StringComparison.Ordinal)
            ? $"file not found: {e.FileName}"
            : e.Message),
        DirectoryNotFoundException e => (ExitCodes.InvalidInput, e.Message),
        UnauthorizedAccessException e => (ExitCodes.InvalidInput, e.Message),
        HttpRequestException { InnerException: SocketException s } e =>
            (ExitCodes.ServerFailed, $"cannot reach the server ({s.SocketErrorCode}): {e.Message}"),
        HttpRequestException e => (ExitCodes.ServerFailed, e.StatusCode is { } status
            ? $"HTTP {(int)status} {status}: {e.Message}"
            : e.Message),
        _ => LibraryErrors.Classify(exception) ?? exception switch
        {
            // The library turns network failures into FhirBulkException, so an I/O error that gets here is a local file or
            // folder that cannot be written or read (an existing file where a folder is wanted, a full disk, a port in use):
            // the user's environment, not a bug.
            IOException e => (ExitCodes.InvalidInput, e.Message),
            _ => (ExitCodes.InternalError, $"{exception.GetType().Name}: {exception.Message}"),
        },
    };
}

/// <summary>The <c>--json</c> document of a failure.</summary>
internal sealed record ErrorJson(ErrorJson.Details Error)
{
    internal sealed record Details(string Message, int ExitCode, string? Hint);
}
