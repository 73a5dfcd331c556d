namespace FhirBulk.ExportFolder;

/// <summary>Writes a file so that a crash leaves either the old or the new content, never half of one.</summary>
internal static class AtomicFile
{
    /// <summary>The ending of this class's temporary files (<c>&lt;name&gt;.&lt;guid&gt;.tmp</c>), removed after a failure or, after a crash, by the next run.</summary>
    public const string TemporaryExtension = ".tmp";

    /// <exception cref="IOException">The file could not be written (the temporary file is removed).</exception>
    public static void Write(string path, Action<Stream> write)
    {
        var temporary = $"{path}.{Guid.NewGuid():N}{TemporaryExtension}";
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
}
