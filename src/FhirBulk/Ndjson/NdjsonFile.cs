namespace FhirBulk.Ndjson;

/// <summary>One input of an <see cref="NdjsonSource"/>.</summary>
/// <param name="Name">The file path, or <c>stdin</c>; used in error messages.</param>
/// <param name="ResourceType">
/// The resource type its name announces (<c>Patient.000.ndjson</c> → <c>Patient</c>; see
/// <see cref="ExportFolder.ExportFolderLayout.TypeFromName"/>), or <see langword="null"/> for a mixed-type input. A
/// filtered read skips a file of a type it does not want, and a line of another type in a typed file is malformed, so
/// what a read yields never depends on which other types it wants.
/// </param>
/// <param name="Length">The size on disk in bytes, or <see langword="null"/> when unknown (a stream).</param>
public sealed record NdjsonFile(string Name, string? ResourceType, long? Length)
{
    /// <summary>The file at <paramref name="path"/>, typed by its name, with the size of the data it names.</summary>
    /// <exception cref="FileNotFoundException">The file, or the file a symbolic link points to, does not exist.</exception>
    internal static NdjsonFile At(string path) => new(path, ExportFolder.ExportFolderLayout.TypeFromName(Path.GetFileName(path)), SizeOf(path));

    // FileInfo.Length of a symbolic link is the link's own size (a few bytes), and the size decides how shards split
    // the input and what progress says: a folder of links to an export elsewhere must count the files they name.
    private static long SizeOf(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is null)
        {
            return info.Length;
        }

        var target = info.ResolveLinkTarget(returnFinalTarget: true) as FileInfo;
        return target is { Exists: true }
            ? target.Length
            : throw new FileNotFoundException($"NDJSON file '{path}' is a link to '{target?.FullName ?? info.LinkTarget}', which does not exist.", path);
    }
}
