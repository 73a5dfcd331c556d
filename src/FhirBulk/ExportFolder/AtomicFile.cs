namespace FhirBulk.ExportFolder;

/// <summary>Writes a file so that a crash leaves either the old or the new content, never half of one.</summary>
internal static partial class AtomicFile
{
    /// <summary>The ending of this class's temporary files (<c>&lt;name&gt;.&lt;guid&gt;.tmp</c>), removed after a failure or, after a crash, by the next run.</summary>
    public const string TemporaryExtension = ".tmp";

    /// <summary>A new temporary name beside <paramref name="path"/>: <c>&lt;path&gt;.&lt;32 hex digits&gt;.tmp</c>.</summary>
    public static string TemporaryPathFor(string path) => $"{path}.{Guid.NewGuid():N}{TemporaryExtension}";

    /// <summary>Whether <paramref name="name"/> is one of <see cref="TemporaryPathFor"/>'s names (a hidden file is not).</summary>
    public static bool IsTemporaryPath(string name) => !Path.GetFileName(name).StartsWith('.') && TemporaryName().IsMatch(name);

    /// <exception cref="IOException">The file could not be written (the temporary file is removed).</exception>
    public static void Write(string path, Action<Stream> write)
    {
        var temporary = TemporaryPathFor(path);
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            FolderIo.DeleteQuietly(temporary);
            throw;
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\.[0-9a-f]{32}\.tmp$")]
    private static partial System.Text.RegularExpressions.Regex TemporaryName();
}
