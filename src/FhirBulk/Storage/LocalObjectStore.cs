using System.Text.RegularExpressions;
using FhirBulk.ExportFolder;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FhirBulk.Storage;

/// <summary>
/// A local folder as a store: an object is a file, a <c>/</c> in a name is a subfolder. A write goes to
/// <c>&lt;name&gt;.&lt;guid&gt;.tmp</c> (the temporary naming of <see cref="AtomicFile"/>, so the export folder's clean-up
/// knows it) and is renamed over the name at commit, so a reader sees the old file or the whole new one.
/// </summary>
internal sealed partial class LocalObjectStore(StorageLocation location, ObjectStoreOptions options) : ObjectStore(location)
{
    // How often a write makes its folder again when another writer removed it as empty in the meantime (InFolderOf): a
    // shard moving its parts can remove a shared folder every few hundred microseconds, and each attempt takes about a
    // hundred on these machines, so a handful of attempts can all lose (seen in a test); a hundred cost a few ms at most.
    private const int MaxFolderAttempts = 100;

    private readonly ILogger logger = options.LoggerFactory?.CreateLogger<ObjectStore>() ?? NullLogger<ObjectStore>.Instance;

    private string Root => Location.Path!;

    private protected override IAsyncEnumerable<StoredObject> ListCoreAsync(string prefix, CancellationToken cancellationToken) =>
        Files(prefix, pending: false, cancellationToken).Select(file => Stored(file.Name, new FileInfo(file.Path))).OfType<StoredObject>().ToAsyncEnumerable();

    private protected override Task<StoredObject?> GetPropertiesCoreAsync(string name, CancellationToken cancellationToken)
    {
        var path = Describe(name);
        return Task.FromResult(Guard(path, () => Stored(name, new FileInfo(path))));
    }

    private protected override Task<Stream> OpenReadCoreAsync(string name, long offset, CancellationToken cancellationToken)
    {
        var path = Describe(name);
        return Task.FromResult(Guard(path, () =>
        {
            if (!File.Exists(path))
            {
                throw NotFound(path);
            }

            Stream stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, bufferSize: 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
            if (offset > stream.Length)
            {
                var length = stream.Length;
                stream.Dispose();
                throw new StorageException(path, $"cannot read {path} from byte {offset}: it holds {length} bytes", errorCode: "InvalidRange");
            }

            stream.Seek(offset, SeekOrigin.Begin);
            return stream;
        }));
    }

    private protected override ObjectWriter OpenWriteCore(string name)
    {
        var path = Describe(name);
        var temporary = AtomicFile.TemporaryPathFor(path);
        return FileWrites.Run(
            () => InFolderOf(path, () =>
            {
                var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1, FileOptions.Asynchronous);
                return new LocalObjectWriter(name, path, temporary, stream, logger);
            }),
            e => WriteFailure(path, e));
    }

    private protected override Task DeleteCoreAsync(string name, CancellationToken cancellationToken)
    {
        var path = Describe(name);
        Guard(path, () =>
        {
            File.Delete(path);
            return true;
        });
        RemoveEmptyFolders(path);
        return Task.CompletedTask;
    }

    private protected override Task MoveCoreAsync(string source, string destination, CancellationToken cancellationToken)
    {
        var from = Describe(source);
        var to = Describe(destination);
        FileWrites.Run(
            () => InFolderOf(to, () =>
            {
                File.Move(from, to, overwrite: true);
                return true;
            }),
            e => WriteFailure(to, e));
        RemoveEmptyFolders(from);
        return Task.CompletedTask;
    }

    private protected override IAsyncEnumerable<PendingUpload> ListPendingUploadsCoreAsync(string prefix, CancellationToken cancellationToken) =>
        Files(prefix, pending: true, cancellationToken).Select(file =>
            new PendingUpload(TemporaryName().Replace(file.Name, ""), file.Name, new DateTimeOffset(File.GetLastWriteTimeUtc(file.Path), TimeSpan.Zero))).ToAsyncEnumerable();

    private protected override Task AbortPendingUploadCoreAsync(PendingUpload upload, CancellationToken cancellationToken)
    {
        if (!TemporaryName().IsMatch(upload.UploadId))
        {
            throw new ArgumentException($"{upload.UploadId} is not a pending upload of {Location}", nameof(upload));
        }

        var path = Describe(ObjectNames.Validate(upload.UploadId, Location));
        Guard(path, () =>
        {
            File.Delete(path);
            return true;
        });
        StorageLog.PendingUploadAborted(logger, Describe(upload.Name), upload.Initiated);
        return Task.CompletedTask;
    }

    internal static StorageException Failure(string path, Exception exception) =>
        new(path, $"cannot use {path}: {exception.Message}", innerException: exception);

    /// <summary>A write of <paramref name="path"/> (through its temporary file) that failed, in the words an export folder's use (<see cref="FileWrites.Describe"/>).</summary>
    internal static StorageException WriteFailure(string path, Exception exception) =>
        new(path, FileWrites.Describe(path, exception), innerException: exception);

    private static StorageException NotFound(string path) => new(path, $"{path} does not exist", errorCode: "NotFound");

    private static T Guard<T>(string path, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failure(path, e);
        }
    }

    /// <summary>Removes the folders above a file that was deleted or moved away, up to the root, as long as they are empty: a
    /// bucket has no folders, only names, so a name prefix left without objects must not linger here either (a staging
    /// folder emptied by its moves, say).</summary>
    /// <summary>
    /// Makes the folder <paramref name="path"/> goes in, then runs <paramref name="use"/>, which creates or moves a file
    /// there. Another writer of the same lake (a shard running beside this one) removes the folders it leaves empty
    /// (<see cref="RemoveEmptyFolders"/>), and one can go between this writer's making it, or a folder above it, and its
    /// using it, which the file system reports as a missing folder: the folder is then made again, up to
    /// <see cref="MaxFolderAttempts"/> times, before that counts as a failure.
    /// </summary>
    private static T InFolderOf<T>(string path, Func<T> use)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
                return use();
            }
            // Made from the top down, a missing folder can show as either, depending on the call that met it.
            catch (IOException e) when (e is DirectoryNotFoundException or FileNotFoundException && attempt < MaxFolderAttempts)
            {
            }
        }
    }

    private void RemoveEmptyFolders(string path)
    {
        for (var folder = System.IO.Path.GetDirectoryName(path); folder is not null && folder.Length > Root.Length; folder = System.IO.Path.GetDirectoryName(folder))
        {
            try
            {
                if (Directory.EnumerateFileSystemEntries(folder).Any())
                {
                    return;
                }

                Directory.Delete(folder);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another writer filled it again, or it cannot be removed: an empty folder is harmless.
                return;
            }
        }
    }

    private static StoredObject? Stored(string name, FileInfo file) =>
        file.Exists ? new StoredObject(name, file.Length, new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero), ETag: null) : null;

    /// <summary>Files under the root whose relative names start with the prefix: complete ones, or only the temporary ones.</summary>
    private IEnumerable<(string Name, string Path)> Files(string prefix, bool pending, CancellationToken cancellationToken)
    {
        // The deepest folder the prefix names completely; its files are then filtered by the rest of the prefix.
        var folder = prefix.LastIndexOf('/') is var slash and >= 0 ? Describe(prefix[..slash]) : Root;
        if (!Directory.Exists(folder))
        {
            yield break;
        }

        var files = Guard(folder, () => Directory.EnumerateFiles(folder, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = false }));
        using var enumerator = files.GetEnumerator();
        while (Guard(folder, enumerator.MoveNext))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var path = enumerator.Current;
            var name = System.IO.Path.GetRelativePath(Root, path).Replace(System.IO.Path.DirectorySeparatorChar, '/');
            if (name.StartsWith(prefix, StringComparison.Ordinal) && TemporaryName().IsMatch(name) == pending)
            {
                yield return (name, path);
            }
        }
    }

    [GeneratedRegex(@"\.[0-9a-f]{32}\.tmp$")]
    private static partial Regex TemporaryName();
}
