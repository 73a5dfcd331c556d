using System.Globalization;

namespace FhirBulk.ExportFolder;

/// <summary>
/// Turns a failed write in an export folder (disk full, a file-size limit, permissions) into an
/// <see cref="ExportFolderException"/> naming the file and the free space, so that it is never mistaken for a network
/// failure and retried, and the CLI reports it as a local problem (exit 3) rather than a bug.
/// </summary>
internal static class FolderIo
{
    public static void Write(string folder, string path, Action write)
    {
        try
        {
            write();
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw Failure(folder, path, exception);
        }
    }

    public static async Task WriteAsync(string folder, string path, Func<Task> write)
    {
        try
        {
            await write().ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw Failure(folder, path, exception);
        }
    }

    public static ExportFolderException Failure(string folder, string path, Exception exception) =>
        new(folder, $"cannot write {path}: {Reason(exception, path)} ({FreeSpace(path)})", exception) { IsWriteFailure = true };

    /// <summary>Deletes a temporary file after a failure, quietly: the failure being reported matters more.</summary>
    public static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Left for the next run under the lock, which removes stale temporary files.
        }
    }

    // .NET appends " : 'path'" to the operating system's text, often a temporary file's; the file is already named once.
    private static string Reason(Exception exception, string path)
    {
        var message = exception.Message;
        var quoted = message.LastIndexOf(" : '", StringComparison.Ordinal);
        return quoted > 0 && message.EndsWith('\'') ? message[..quoted] : message;
    }

    private static string FreeSpace(string path)
    {
        try
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? path;
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
