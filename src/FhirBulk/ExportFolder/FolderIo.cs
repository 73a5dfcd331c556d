namespace FhirBulk.ExportFolder;

/// <summary>
/// Turns a failed write in an export folder (disk full, a file-size limit, permissions) into an
/// <see cref="ExportFolderException"/> naming the file and the free space, so that it is never mistaken for a network
/// failure and retried, and the CLI reports it as a local problem (exit 3) rather than a bug.
/// </summary>
internal static class FolderIo
{
    public static void Write(string folder, string path, Action write) => FileWrites.Run(write, exception => Failure(folder, path, exception));

    public static Task WriteAsync(string folder, string path, Func<Task> write) => FileWrites.RunAsync(write, exception => Failure(folder, path, exception));

    public static ExportFolderException Failure(string folder, string path, Exception exception) =>
        new(folder, FileWrites.Describe(path, exception), exception) { IsWriteFailure = true };

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
}
