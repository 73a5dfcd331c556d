using System.Text.RegularExpressions;

namespace FhirBulk.Server.Data;

/// <summary>
/// An index of a folder of NDJSON files by resource type. Only file names are indexed; resources are
/// streamed from disk for every export, so a folder of any size is served in constant memory.
/// </summary>
internal sealed partial class ResourceStore
{
    private readonly Dictionary<string, List<string>> _files = new(StringComparer.Ordinal);
    private readonly List<string> _deletions = [];

    public ResourceStore(string directory)
    {
        Directory = directory;
        foreach (var path in System.IO.Directory.EnumerateFiles(directory, "*.ndjson").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(path);
            if (name.StartsWith(GeneratedData.DeletedFilePrefix, StringComparison.Ordinal))
            {
                _deletions.Add(path);
                continue;
            }

            // <Type>.ndjson or <Type>.<anything>.ndjson for an R4 type; other names (log.ndjson, notes.ndjson) are not resources.
            var match = TypeFileName().Match(name);
            if (match.Success && Fhir.ResourceTypes.IsKnown(match.Groups["type"].Value))
            {
                var type = match.Groups["type"].Value;
                if (!_files.TryGetValue(type, out var list))
                {
                    _files[type] = list = [];
                }

                list.Add(path);
            }
        }
    }

    public string Directory { get; }

    public IEnumerable<string> Types => _files.Keys.Order(StringComparer.Ordinal);

    public bool HasType(string type) => _files.ContainsKey(type);

    public IReadOnlyList<string> FilesOf(string type) => _files.TryGetValue(type, out var list) ? list : [];

    public IReadOnlyList<string> DeletionFiles => _deletions;

    [GeneratedRegex(@"^(?<type>[A-Z][A-Za-z]+)(\..*)?\.ndjson$")]
    private static partial Regex TypeFileName();
}
