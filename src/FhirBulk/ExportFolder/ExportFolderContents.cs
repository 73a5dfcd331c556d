using System.Text.RegularExpressions;

namespace FhirBulk.ExportFolder;

/// <summary>
/// The files of an export folder that an export writes, reads or lists, so that none is kept or mixed in unless this
/// export's state describes it: NDJSON files at the top (what <c>view</c> reads), <c>manifest.json</c>, <c>log.ndjson</c>
/// and everything under <c>error/</c> and <c>deleted/</c>.
/// </summary>
internal static partial class ExportFolderContents
{
    /// <summary>The files an export would write, read or list, relative to <paramref name="directory"/> with <c>/</c> separators.</summary>
    public static List<string> ExportFiles(string directory)
    {
        var files = new List<string>();
        if (!Directory.Exists(directory))
        {
            return files;
        }

        foreach (var path in Directory.EnumerateFiles(directory))
        {
            var name = Path.GetFileName(path);
            if (IsTopLevelExportFile(name))
            {
                files.Add(name);
            }
        }

        foreach (var folder in new[] { ExportFolderLayout.ErrorFolderName, ExportFolderLayout.DeletedFolderName })
        {
            var sub = Path.Combine(directory, folder);
            if (Directory.Exists(sub))
            {
                files.AddRange(Directory.EnumerateFiles(sub, "*", SearchOption.AllDirectories)
                    .Select(p => Path.GetRelativePath(directory, p).Replace(Path.DirectorySeparatorChar, '/'))
                    .Where(p => !IsStaleTemporary(Path.GetFileName(p))));
            }
        }

        files.Sort(StringComparer.Ordinal);
        return files;
    }

    /// <summary>Moves <paramref name="names"/> (relative paths) under <c>history/&lt;stamp&gt;/</c>, keeping their relative paths.</summary>
    /// <exception cref="ExportFolderException">A file could not be moved.</exception>
    public static void MoveToHistory(string directory, IEnumerable<string> names, string stamp) =>
        Move(directory, directory, Path.Combine(directory, ExportFolderLayout.HistoryFolderName, stamp), names);

    /// <summary>
    /// Moves <paramref name="names"/> back from <c>history/&lt;stamp&gt;/</c> to where <see cref="MoveToHistory"/> took them
    /// from, then removes that subfolder (and <c>history/</c>) when nothing else is left in it.
    /// </summary>
    /// <exception cref="ExportFolderException">A file could not be moved.</exception>
    public static void RestoreFromHistory(string directory, IEnumerable<string> names, string stamp)
    {
        var history = Path.Combine(directory, ExportFolderLayout.HistoryFolderName);
        var archive = Path.Combine(history, stamp);
        Move(directory, archive, directory, names);
        if (!Directory.Exists(archive))
        {
            return;
        }

        // Deepest first, so that a subfolder (error/, deleted/) emptied by the moves goes before its parent.
        var emptied = Directory.EnumerateDirectories(archive, "*", SearchOption.AllDirectories).OrderByDescending(d => d.Length).Append(archive).Append(history);
        foreach (var folder in emptied.Where(f => !Directory.EnumerateFileSystemEntries(f).Any()))
        {
            Directory.Delete(folder);
        }
    }

    private static void Move(string directory, string from, string to, IEnumerable<string> names)
    {
        foreach (var name in names)
        {
            var source = ExportFolderLayout.FullPath(from, name);
            if (!File.Exists(source))
            {
                continue;
            }

            var target = ExportFolderLayout.FullPath(to, name);
            FolderIo.Write(directory, target, () =>
            {
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Move(source, target, overwrite: true);
            });
        }
    }

    /// <summary>
    /// Removes temporary files a killed run left (atomic writes, compression): under the folder's lock nobody else is
    /// writing them, and a disk-full failure must not leave them behind for the user to find.
    /// </summary>
    public static void RemoveStaleTemporaries(string directory)
    {
        foreach (var folder in new[] { directory, Path.Combine(directory, ExportFolderLayout.ErrorFolderName), Path.Combine(directory, ExportFolderLayout.DeletedFolderName) })
        {
            if (!Directory.Exists(folder))
            {
                continue;
            }

            foreach (var path in Directory.EnumerateFiles(folder, "*" + AtomicFile.TemporaryExtension))
            {
                if (IsStaleTemporary(Path.GetFileName(path)))
                {
                    FolderIo.DeleteQuietly(path);
                }
            }
        }
    }

    /// <summary>Whether a name relative to an export folder (<c>/</c>-separated) is one an export writes, reads or lists.</summary>
    public static bool IsExportFile(string name) =>
        name.IndexOf('/', StringComparison.Ordinal) is var slash and >= 0
            ? name[..slash] is ExportFolderLayout.ErrorFolderName or ExportFolderLayout.DeletedFolderName && !IsStaleTemporary(name[(slash + 1)..])
            : IsTopLevelExportFile(name);

    private static bool IsTopLevelExportFile(string name) =>
        name == ExportFolderLayout.ManifestFileName
        || name == ExportFolderLayout.LogFileName
        || ExportFolderLayout.IsNdjson(name)
        || (name.EndsWith(".part", StringComparison.Ordinal) && ExportFolderLayout.IsNdjson(name[..^".part".Length]));

    private static bool IsStaleTemporary(string name)
    {
        if (!name.EndsWith(AtomicFile.TemporaryExtension, StringComparison.Ordinal))
        {
            return false;
        }

        var target = AtomicTemporary().Replace(name[..^AtomicFile.TemporaryExtension.Length], string.Empty);
        return target is ExportFolderLayout.StateFileName or ExportFolderLayout.ManifestFileName
            || ExportFolderLock.IsLockFile(target)
            || ExportFolderLayout.IsNdjson(target);
    }

    // AtomicFile's "<name>.<guid>" before ".tmp".
    [GeneratedRegex(@"\.[0-9a-f]{32}$", RegexOptions.CultureInvariant)]
    private static partial Regex AtomicTemporary();
}
