namespace FhirBulk.Sinks;

/// <summary>
/// Output files written under a hidden temporary name beside their target, which replace their
/// targets only when a sink commits: a run that fails or is cancelled leaves the previous files
/// as they were.
/// </summary>
/// <remarks>
/// The temporary file is in the target's own folder so that the final <see cref="File.Move(string, string, bool)"/>
/// is a rename on one file system, which replaces the target in one step, never a copy that could
/// be cut short.
/// </remarks>
internal sealed class StagedFiles
{
    private readonly List<StagedFile> _files = [];

    /// <summary>Stages a new version of <paramref name="targetPath"/>; write it at <see cref="StagedFile.TempPath"/>.</summary>
    public StagedFile Add(string targetPath)
    {
        var file = new StagedFile(targetPath);
        _files.Add(file);
        return file;
    }

    /// <summary>The target paths staged so far, in order.</summary>
    public IReadOnlyList<string> Targets => [.. _files.Select(f => f.TargetPath)];

    /// <summary>Renames every staged file onto its target, in the order staged.</summary>
    /// <exception cref="InvalidOperationException">A staged file was not completed; nothing is renamed.</exception>
    /// <exception cref="TableSinkException">A file could not be renamed onto its target (<see cref="TableSinkException.IsWriteFailure"/>).</exception>
    public void Commit()
    {
        if (_files.Find(f => !f.IsComplete) is { } open)
        {
            throw new InvalidOperationException($"'{Path.GetFileName(open.TargetPath)}' was not completed; complete every table before the sink.");
        }

        foreach (StagedFile file in _files)
        {
            FileWrites.Run(() => File.Move(file.TempPath, file.TargetPath, overwrite: true), file.WriteFailure);
        }

        _files.Clear();
    }

    /// <summary>Deletes every staged file not committed; the targets keep their previous content.</summary>
    public void Discard()
    {
        foreach (StagedFile file in _files)
        {
            StagedFile.Delete(file.TempPath);
        }

        _files.Clear();
    }
}

/// <summary>One file of <see cref="StagedFiles"/>: where it is written, and where it goes on commit.</summary>
internal sealed class StagedFile
{
    public StagedFile(string targetPath)
    {
        TargetPath = Path.GetFullPath(targetPath);
        TempPath = TempPathFor(TargetPath);
    }

    /// <summary>The file the staged one replaces.</summary>
    public string TargetPath { get; }

    /// <summary>Where the new version is written: <c>.&lt;name&gt;.&lt;random&gt;.tmp</c> beside the target, hidden from listings and globs such as <c>*.parquet</c>.</summary>
    public string TempPath { get; }

    /// <summary>Whether the file is whole (written, flushed and closed) and may be committed.</summary>
    public bool IsComplete { get; private set; }

    public void MarkComplete() => IsComplete = true;

    /// <summary>A failed write of the temporary file, told as one of <see cref="TargetPath"/>, the file the user asked for.</summary>
    public Exception WriteFailure(Exception exception) => TableSinkException.WriteFailure(TargetPath, exception);

    public static string TempPathFor(string targetPath)
    {
        string folder = Path.GetDirectoryName(targetPath) ?? ".";
        // The random part lets two runs into one folder stage side by side.
        return Path.Combine(folder, $".{Path.GetFileName(targetPath)}.{Path.GetFileNameWithoutExtension(Path.GetRandomFileName())}.tmp");
    }

    /// <summary>Deletes a temporary file, if it is there.</summary>
    /// <remarks>
    /// A file that cannot be deleted is left behind rather than thrown about: this runs while a
    /// failed run unwinds, and an error here would hide the one that stopped the run.
    /// </remarks>
    public static void Delete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }
}
