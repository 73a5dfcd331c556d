using System.Text.RegularExpressions;

namespace FhirBulk.Export;

/// <summary>
/// Names files of an output folder: <c>&lt;Type&gt;.&lt;NNN&gt;.ndjson</c> (or <c>.ndjson.gz</c>), error files under <c>error/</c>, deleted under
/// <c>deleted/</c>. Names are made here, never taken from the server: a type that is not a FHIR resource type name
/// (<c>../../x</c>) is filed as <c>Unknown</c>, so nothing can land outside the folder.
/// </summary>
internal static partial class OutputLayout
{
    public const string UnknownType = "Unknown";

    public static List<ExportFileState> Plan(ExportManifest manifest, bool compress = false)
    {
        var extension = compress ? ".ndjson.gz" : ".ndjson";
        var files = new List<ExportFileState>();
        var counters = new Dictionary<string, int>(StringComparer.Ordinal);
        Add(manifest.Output, ExportFileKind.Output, null);
        Add(manifest.Error, ExportFileKind.Error, "OperationOutcome");
        Add(manifest.Deleted, ExportFileKind.Deleted, "Bundle");
        return files;

        void Add(List<ManifestFile> list, ExportFileKind kind, string? defaultType)
        {
            foreach (var file in list)
            {
                var type = SafeType(file.Type ?? defaultType);
                var folder = kind switch { ExportFileKind.Error => "error/", ExportFileKind.Deleted => "deleted/", _ => string.Empty };
                var key = folder + type;
                var number = counters[key] = counters.GetValueOrDefault(key) + 1;
                files.Add(new ExportFileState
                {
                    Kind = kind,
                    Type = type,
                    Url = file.Url,
                    FileName = $"{folder}{type}.{number:D3}{extension}",
                    DeclaredCount = file.Count,
                });
            }
        }
    }

    public static string SafeType(string? type) => type is not null && ResourceTypeName().IsMatch(type) ? type : UnknownType;

    /// <summary>The full path of a planned file, checked to be inside <paramref name="directory"/> (defence in depth).</summary>
    public static string FullPath(string directory, string fileName)
    {
        var root = Path.GetFullPath(directory);
        var full = Path.GetFullPath(Path.Combine(root, fileName));
        if (!full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ExportFolderException(root, $"Refusing to write '{fileName}' outside {root}.");
        }

        return full;
    }

    // FHIR resource type names: an upper-case letter, then letters and digits (R4 ResourceType codes).
    [GeneratedRegex("^[A-Z][A-Za-z0-9]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex ResourceTypeName();
}
