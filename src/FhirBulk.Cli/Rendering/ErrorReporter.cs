using System.Net.Sockets;
using Spectre.Console;

namespace FhirBulk.Cli.Rendering;

/// <summary>
/// Turns a failure into one readable message on stderr and the documented exit code. Stack
/// traces appear only for unexpected failures, and then only with <c>--verbose</c>.
/// </summary>
internal static class ErrorReporter
{
    public static int Report(CliContext context, Exception exception, bool verbose)
    {
        var (code, message) = Classify(exception);
        MessageLines.Error(context.Error, message);
        if (exception is CliException { Hint: { } hint })
        {
            context.Error.Profile.Out.Writer.WriteLine(hint);
        }
        if (code == ExitCodes.InternalError && verbose)
        {
            context.Error.WriteException(exception);
        }

        return code;
    }

    public static (int Code, string Message) Classify(Exception exception) => exception switch
    {
        CliException e => (e.ExitCode, e.Message),
        OperationCanceledException => (ExitCodes.Cancelled, "cancelled."),
        FileNotFoundException e => (ExitCodes.InvalidInput, e.FileName is null ? e.Message : $"file not found: {e.FileName}"),
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
