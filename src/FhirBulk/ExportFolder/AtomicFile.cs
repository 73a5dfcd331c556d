namespace FhirBulk.ExportFolder;

/// <summary>Writes a file so that a crash leaves either the old or the new content, never half of one.</summary>
internal static class AtomicFile
{
    public static void Write(string path, Action<Stream> write)
    {
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
        {
            write(stream);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
