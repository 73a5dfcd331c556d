using System.Globalization;
using DuckDB.NET.Data;

namespace FhirBulk;

/// <summary>
/// The one wording of a local file that could not be written (a full disk, a read-only or permission-denied folder, a
/// file-size limit): <c>cannot write FILE: reason (N free on that disk)</c>, naming the file the user knows rather than
/// the temporary one being written, for an export folder and a table output alike.
/// </summary>
internal static class FileWrites
{
    /// <summary>Whether <paramref name="exception"/> is the file system's refusal of a write, which the user can fix (space, permissions), not a bug.</summary>
    public static bool IsFailure(Exception exception) => exception is IOException or UnauthorizedAccessException or DuckDBException;

    /// <summary>Runs <paramref name="write"/>, turning a failed write into the exception <paramref name="failure"/> makes of it.</summary>
    public static void Run(Action write, Func<Exception, Exception> failure) => Run(
        () =>
        {
            write();
            return true;
        },
        failure);

    /// <inheritdoc cref="Run"/>
    /// <returns>What <paramref name="write"/> returned (a stream it opened, say).</returns>
    public static T Run<T>(Func<T> write, Func<Exception, Exception> failure)
    {
        try
        {
            return write();
        }
        catch (Exception exception) when (IsFailure(exception))
        {
            throw failure(exception);
        }
    }

    /// <inheritdoc cref="Run"/>
    public static async Task RunAsync(Func<Task> write, Func<Exception, Exception> failure)
    {
        try
        {
            await write().ConfigureAwait(false);
        }
        catch (Exception exception) when (IsFailure(exception))
        {
            throw failure(exception);
        }
    }

    /// <summary><c>cannot write PATH: reason (N free on that disk)</c>.</summary>
    /// <remarks>The free space is given only where space ran out (<c>ENOSPC</c>, <c>EDQUOT</c>): beside a read-only disk or a
    /// permission denied it is a figure that does not matter.</remarks>
    public static string Describe(string path, Exception exception)
    {
        var reason = Reason(exception);
        return IsOutOfSpace(exception, reason) ? $"cannot write {path}: {reason} ({FreeSpace(path)})" : $"cannot write {path}: {reason}";
    }

    // .NET on Unix sets an IOException's HResult to the errno for these; DuckDB only says it in words.
    private static bool IsOutOfSpace(Exception exception, string reason) =>
        exception.HResult is 28 or 122
        || reason.Contains("No space left", StringComparison.OrdinalIgnoreCase)
        || reason.Contains("quota", StringComparison.OrdinalIgnoreCase)
        || (exception.InnerException is { } inner && IsOutOfSpace(inner, inner.Message));

    // Both name the file they were writing, often a temporary one, which the message has already named by the user's name:
    // .NET appends " : 'path'" to the operating system's text, DuckDB puts it before its reason ('Could not write file "path": No space left on device').
    private static string Reason(Exception exception)
    {
        var message = exception.Message;
        var quoted = message.LastIndexOf(" : '", StringComparison.Ordinal);
        if (quoted > 0 && message.EndsWith('\''))
        {
            return message[..quoted];
        }

        // DuckDB opens the staged copy of an existing file that is no database: its words name that copy, not the user's file.
        if (exception is DuckDBException && message.Contains("is not a valid DuckDB database file", StringComparison.Ordinal))
        {
            return "it exists and is not a DuckDB database (give a new file, or a DuckDB database to add the tables to)";
        }

        var afterPath = message.LastIndexOf("\": ", StringComparison.Ordinal);
        return exception is DuckDBException && afterPath > 0 ? message[(afterPath + 3)..] : message;
    }

    private static string FreeSpace(string path)
    {
        try
        {
            // The nearest folder that exists: the write may have failed making the file's own (a lake's view folder).
            var directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? path;
            while (!Directory.Exists(directory) && Path.GetDirectoryName(directory) is { } parent)
            {
                directory = parent;
            }

            var free = new DriveInfo(directory).AvailableFreeSpace;
            return $"{FormatBytes(free)} free on that disk";
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return "free space unknown";
        }
    }

    private static string FormatBytes(long bytes) => bytes switch
    {
        >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.0} GB"),
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):0.0} MB"),
        >= 1L << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 10):0.0} KB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes"),
    };
}
