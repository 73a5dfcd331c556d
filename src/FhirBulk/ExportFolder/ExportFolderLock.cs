using System.Globalization;

namespace FhirBulk.ExportFolder;

/// <summary>
/// One writer per export folder: an OS lock on <c>.fhir-bulk.lock</c>, held for the life of an export, resume or cancel.
/// </summary>
/// <remarks>
/// The lock is the open file itself (.NET takes <c>flock(LOCK_EX)</c> on Unix and a share-none handle on Windows for
/// <see cref="FileShare.None"/>), so the kernel releases it when the process dies: a <c>kill -9</c> leaves nothing stale to
/// clean. The holder's process id goes to a separate file, because the locked file cannot be read by anyone else; the id
/// is only read after failing to take the lock, so an old id left by a dead holder is never shown.
/// </remarks>
internal sealed class ExportFolderLock : IDisposable
{
    private const string OwnerFileName = ExportFolderLayout.LockFileName + ".owner";

    private readonly FileStream _handle;

    private ExportFolderLock(FileStream handle) => _handle = handle;

    /// <summary>Takes the folder's lock at once or fails.</summary>
    /// <param name="directory">The export folder; created if missing.</param>
    /// <param name="holder">What takes it, as the refusal of a second one names it: <c>export</c>, or <c>sync</c> for a sync folder.</param>
    /// <exception cref="ExportFolderException">Another process (named by its id) holds the lock, or the folder cannot be written.</exception>
    public static ExportFolderLock Acquire(string directory, string holder = "export")
    {
        var full = Path.GetFullPath(directory);
        var path = Path.Combine(full, ExportFolderLayout.LockFileName);
        FileStream handle;
        try
        {
            Directory.CreateDirectory(full);
            handle = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1, FileOptions.None);
        }
        catch (IOException exception) when (File.Exists(path) && exception is not PathTooLongException)
        {
            var owner = ReadOwner(full);
            throw new ExportFolderException(
                full,
                $"{full} is in use by another fhir-bulk {holder} ({(owner is null ? "its process id is not known yet" : "process " + owner)}); wait for it to finish or stop it first.",
                exception);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw FolderIo.Failure(full, path, exception);
        }

        try
        {
            FolderIo.Write(full, Path.Combine(full, OwnerFileName), () =>
                AtomicFile.Write(Path.Combine(full, OwnerFileName), stream => stream.Write(System.Text.Encoding.UTF8.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n"))));
        }
        catch
        {
            handle.Dispose();
            throw;
        }

        return new ExportFolderLock(handle);
    }

    /// <summary>
    /// Whether a running export, resume or cancel holds the lock of the local folder <paramref name="directory"/>, and its
    /// process id when known. Never creates the lock file; a shared lock is taken for an instant to ask, so call it only
    /// where an answer matters (a message about an unfinished export), not on every read.
    /// </summary>
    public static bool IsHeld(string directory, out string? owner)
    {
        owner = null;
        var path = Path.Combine(directory, ExportFolderLayout.LockFileName);
        if (!File.Exists(path))
        {
            return false;
        }

        try
        {
            // FileShare.ReadWrite is a shared flock on Unix (a share-read handle on Windows): refused while a holder has it.
            using var probe = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1, FileOptions.None);
            return false;
        }
        catch (IOException) when (File.Exists(path))
        {
            owner = ReadOwner(directory);
            return true;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Whether <paramref name="fileName"/> (relative to the folder) is one of the lock's files.</summary>
    public static bool IsLockFile(string fileName) => fileName is ExportFolderLayout.LockFileName or OwnerFileName;

    public void Dispose() => _handle.Dispose();

    private static string? ReadOwner(string directory)
    {
        try
        {
            var text = File.ReadAllText(Path.Combine(directory, OwnerFileName)).Trim();
            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out _) ? text : null;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
