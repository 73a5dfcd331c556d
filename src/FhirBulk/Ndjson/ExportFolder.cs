namespace FhirBulk.Ndjson;

/// <summary>
/// Lists the NDJSON files of an export folder: ours (<c>&lt;Type&gt;.&lt;NNN&gt;.ndjson[.gz]</c>) or any
/// folder of <c>*.ndjson</c> / <c>*.ndjson.gz</c> named by type.
/// </summary>
internal static class ExportFolder
{
    // Bulk Data's diagnostic log, not resources; error/ and deleted/ sit in subfolders, which are
    // not searched.
    private static readonly HashSet<string> NotResources = new(StringComparer.OrdinalIgnoreCase) { "log.ndjson", "log.ndjson.gz" };

    public static IReadOnlyList<NdjsonFile> List(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"Export folder '{folder}' does not exist.");
        }

        return Directory.EnumerateFiles(folder)
            .Where(path => IsNdjson(Path.GetFileName(path)))
            .Select(path => new NdjsonFile(path, TypeFromName(Path.GetFileName(path)), new FileInfo(path).Length))
            // Files of one type together and in part order, so a folder streams grouped by type.
            .OrderBy(file => file.ResourceType ?? "\uffff", StringComparer.Ordinal)
            .ThenBy(file => file.Name, StringComparer.Ordinal)
            .ToList();
    }

    internal static bool IsNdjson(string fileName) =>
        !NotResources.Contains(fileName)
        && (fileName.EndsWith(".ndjson", StringComparison.OrdinalIgnoreCase)
            || fileName.EndsWith(".ndjson.gz", StringComparison.OrdinalIgnoreCase));

    /// <summary>The leading letters of a file name when they look like a resource type.</summary>
    internal static string? TypeFromName(string fileName)
    {
        int end = 0;
        while (end < fileName.Length && char.IsAsciiLetter(fileName[end]))
        {
            end++;
        }

        // Resource types are PascalCase; "synthea_100.ndjson" is a mixed file, not a type.
        bool looksLikeType = end > 0 && char.IsAsciiLetterUpper(fileName[0])
            && end < fileName.Length && fileName[end] is '.' or '-' or '_';
        return looksLikeType ? fileName[..end] : null;
    }
}
