using System.Collections.Frozen;
using System.Text.RegularExpressions;
using FhirBulk.Export;
using FhirBulk.Ndjson;

namespace FhirBulk.ExportFolder;

/// <summary>
/// What an export folder is, in one place: its file names (<c>&lt;Type&gt;.&lt;NNN&gt;.ndjson</c> or <c>.ndjson.gz</c>,
/// error files under <c>error/</c>, deleted under <c>deleted/</c>, <c>manifest.json</c>, <c>log.ndjson</c>, the state file and
/// the lock), the type a file name announces, and which files of a folder are NDJSON resources.
/// </summary>
/// <remarks>
/// Names are made here, never taken from the server: a type that is not a FHIR resource type name (<c>../../x</c>) is filed
/// as <c>Unknown</c>, so nothing can land outside the folder.
/// </remarks>
internal static partial class ExportFolderLayout
{
    /// <summary>The Bulk Data manifest, as the server sent it.</summary>
    public const string ManifestFileName = "manifest.json";

    /// <summary>The export's event log in the bulk-data-client vocabulary (no secrets).</summary>
    public const string LogFileName = "log.ndjson";

    /// <summary>Everything needed to resume: <see cref="ExportState"/>.</summary>
    public const string StateFileName = ".fhir-bulk-state.json";

    /// <summary>The file whose OS lock says an export is writing the folder.</summary>
    public const string LockFileName = ".fhir-bulk.lock";

    /// <summary>Where earlier exports and foreign files are moved (<c>history/&lt;timestamp&gt;/</c>).</summary>
    public const string HistoryFolderName = "history";

    /// <summary>The manifest's <c>error</c> files (OperationOutcomes).</summary>
    public const string ErrorFolderName = "error";

    /// <summary>The manifest's <c>deleted</c> files (Bundles of deleted resources).</summary>
    public const string DeletedFolderName = "deleted";

    public const string UnknownType = "Unknown";

    // Bulk Data's diagnostic log, not resources; error/ and deleted/ sit in subfolders, which are not searched.
    private static readonly HashSet<string> NotResources = new(StringComparer.OrdinalIgnoreCase) { LogFileName, LogFileName + ".gz" };

    public static List<ExportFileState> Plan(ExportManifest manifest, bool compress = false)
    {
        var extension = compress ? ".ndjson.gz" : ".ndjson";
        var files = new List<ExportFileState>();
        var counters = new Dictionary<string, int>(StringComparer.Ordinal);
        Add(manifest.Output, ExportFileKind.Output, null);
        Add(manifest.Error, ExportFileKind.Error, "OperationOutcome");
        Add(manifest.Deleted, ExportFileKind.Deleted, "Bundle");
        return files;

        void Add(IReadOnlyList<ManifestFile> list, ExportFileKind kind, string? defaultType)
        {
            foreach (var file in list)
            {
                var type = SafeType(file.Type ?? defaultType);
                var folder = kind switch { ExportFileKind.Error => ErrorFolderName + "/", ExportFileKind.Deleted => DeletedFolderName + "/", _ => string.Empty };
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
    /// <exception cref="ExportFolderException">The name leads outside the folder.</exception>
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

    /// <summary>
    /// The NDJSON files of a folder (ours, or any folder of <c>*.ndjson</c> / <c>*.ndjson.gz</c> named by type), grouped by type
    /// and in part order; subfolders (<c>error/</c>, <c>deleted/</c>, <c>history/</c>) are not searched.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="ExportFolderException">The path is a file.</exception>
    public static IReadOnlyList<NdjsonFile> ListNdjson(string folder)
    {
        RequireFolder(folder);
        return InReadingOrder(Directory.EnumerateFiles(folder).Where(path => IsNdjson(Path.GetFileName(path))).Select(NdjsonFile.At));
    }

    /// <summary>
    /// Refuses a <paramref name="folder"/> that is missing or a file, before anything looks inside it: so that every reader of
    /// an export folder (listing, verifying) says the folder is missing rather than that something in it is.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="ExportFolderException">The path is a file.</exception>
    public static void RequireFolder(string folder)
    {
        if (File.Exists(folder))
        {
            throw new ExportFolderException(folder, $"'{folder}' is a file, not an export folder (a folder of <Type>.*.ndjson files).");
        }

        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"'{folder}' does not exist: give an export folder (a folder of <Type>.*.ndjson files).");
        }
    }

    /// <summary>Files of one type together and in part order, so that a folder (or a store's prefix) streams grouped by type.</summary>
    public static IReadOnlyList<NdjsonFile> InReadingOrder(IEnumerable<NdjsonFile> files) =>
        [.. files.OrderBy(file => file.ResourceType ?? "\uffff", StringComparer.Ordinal).ThenBy(file => file.Name, StringComparer.Ordinal)];

    public static bool IsNdjson(string fileName) =>
        !NotResources.Contains(fileName)
        && (fileName.EndsWith(".ndjson", StringComparison.OrdinalIgnoreCase)
            || fileName.EndsWith(".ndjson.gz", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The resource type a file's name gives (<c>Patient.000.ndjson</c>, <c>MedicationRequest-2.ndjson</c>): its leading
    /// letters, when they are followed by <c>.</c>, <c>-</c> or <c>_</c> and name an R4 resource type (Firely's
    /// <see cref="Hl7.Fhir.Model.ResourceType"/>). Any other name (<c>synthea_100.ndjson</c>, <c>Synthea-all.ndjson</c>)
    /// is a mixed file: every line is read and typed by its own <c>resourceType</c>.
    /// </summary>
    /// <remarks>
    /// A typed file holds only its type (Bulk Data IG, "Response - Complete Status": each output file holds resources of
    /// the one type its entry names), so a read for other types skips it and a line of another type in it is malformed.
    /// A name that merely looks like a type would make a mixed file skipped, or its lines rejected.
    /// </remarks>
    public static string? TypeFromName(string fileName)
    {
        int end = 0;
        while (end < fileName.Length && char.IsAsciiLetter(fileName[end]))
        {
            end++;
        }

        bool typed = end > 0 && end < fileName.Length && fileName[end] is '.' or '-' or '_'
            && ResourceTypes.Contains(fileName[..end]);
        return typed ? fileName[..end] : null;
    }

    private static readonly FrozenSet<string> ResourceTypes = Enum.GetNames<Hl7.Fhir.Model.ResourceType>().ToFrozenSet(StringComparer.Ordinal);

    // FHIR resource type names: an upper-case letter, then letters and digits (R4 ResourceType codes).
    [GeneratedRegex("^[A-Z][A-Za-z0-9]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex ResourceTypeName();
}
