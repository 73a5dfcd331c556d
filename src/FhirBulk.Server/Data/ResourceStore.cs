using System.Text.Json;
using System.Text.RegularExpressions;

namespace FhirBulk.Server.Data;

/// <summary>
/// An index of a folder of NDJSON files by resource type. Only file names are indexed; resources are
/// streamed from disk for every export, so a folder of any size is served in constant memory.
/// </summary>
/// <remarks>
/// A folder that advanced (<see cref="Timeline"/>) is a series of segments: the folder itself, then each step's folder
/// holding the new versions and deletions of that step. A resource's current state is its line in the last segment
/// that names it (a deletion there means it is gone); the index of those keys is as large as the changes, not the data.
/// An instance is a snapshot: advancing builds a new one, and exports started earlier keep reading theirs.
/// </remarks>
internal sealed partial class ResourceStore
{
    private readonly Dictionary<string, List<string>> _files = new(StringComparer.Ordinal);
    private readonly List<string> _deletions = [];
    private readonly Dictionary<string, int> _segmentOfFile = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Type, string Id), int> _lastSegment = [];

    public ResourceStore(string directory)
    {
        Directory = directory;
        Timeline = Timeline.Read(directory);
        AddSegment(directory, 0);
        for (var step = 1; step <= (Timeline?.Steps ?? 0); step++)
        {
            AddSegment(Timeline.StepFolder(directory, step), step);
        }
    }

    public string Directory { get; }

    /// <summary>The data's simulated clock, or null when the folder keeps the real one.</summary>
    public Timeline? Timeline { get; }

    public IEnumerable<string> Types => _files.Keys.Order(StringComparer.Ordinal);

    public bool HasType(string type) => _files.ContainsKey(type);

    /// <summary>The files of a type, segment by segment; lines that a later segment replaced are filtered by <see cref="IsCurrent"/>.</summary>
    public IReadOnlyList<string> FilesOf(string type) => _files.TryGetValue(type, out var list) ? list : [];

    public IReadOnlyList<string> DeletionFiles => _deletions;

    /// <summary>True when some resource was replaced or deleted by a step, so readers must check <see cref="IsCurrent"/> (and read ids).</summary>
    public bool HasReplacements => _lastSegment.Count > 0;

    /// <summary>
    /// The latest <c>meta.lastUpdated</c> a line of <paramref name="file"/> can carry when the folder has a timeline: the end
    /// of its segment's window (for the generated data itself, the reference date, after which nothing of it is updated);
    /// null without a timeline. A <c>_since</c> export skips a file whose bound is not after <c>_since</c> without reading it.
    /// </summary>
    public DateTimeOffset? UpdatedNoLaterThan(string file) => Timeline?.WindowEnd(_segmentOfFile[file]);

    /// <summary>Whether the line of <paramref name="type"/>/<paramref name="id"/> read from <paramref name="file"/> is the resource's current state.</summary>
    public bool IsCurrent(string type, string? id, string file) =>
        id is null || !_lastSegment.TryGetValue((type, id), out var last) || last == _segmentOfFile[file];

    /// <summary>The current resources of a type with their ids (lines without a readable id skipped); a line's memory is valid until the next.</summary>
    public IEnumerable<(string Id, ReadOnlyMemory<byte> Line)> CurrentLines(string type)
    {
        foreach (var file in FilesOf(type))
        {
            using var reader = NdjsonLineReader.Open(file);
            while (reader.TryReadLine(out var line))
            {
                if (TryReadId(line.Span) is { } id && IsCurrent(type, id, file))
                {
                    yield return (id, line);
                }
            }
        }
    }

    // A line that is not a readable resource is skipped: one bad line in a data folder must not turn a read into a 500
    // (exports skip such lines the same way, and report them).
    private static string? TryReadId(ReadOnlySpan<byte> line)
    {
        try
        {
            return ResourceHeader.Read(line, HeaderFields.Id).Id;
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    private void AddSegment(string folder, int segment)
    {
        var deleted = Path.Combine(folder, GeneratedData.DeletedFolder);
        if (System.IO.Directory.Exists(deleted))
        {
            foreach (var path in System.IO.Directory.EnumerateFiles(deleted, "*.ndjson").Order(StringComparer.Ordinal))
            {
                _deletions.Add(path);
                _segmentOfFile[path] = segment;
                if (segment > 0)
                {
                    IndexDeletions(path, segment);
                }
            }
        }

        foreach (var path in System.IO.Directory.EnumerateFiles(folder, "*.ndjson").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(path);
            if (name.StartsWith(GeneratedData.OldDeletedFilePrefix, StringComparison.Ordinal))
            {
                // Served as they are, its deletions would be lost without a word: every _since export would miss them.
                throw new FormatException(
                    $"{path} holds deletions where an earlier fhir-bulk kept them; they now go in {deleted}: generate the population again into a new folder (fhir-bulk generate is deterministic for a seed).");
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
                _segmentOfFile[path] = segment;
                if (segment > 0)
                {
                    IndexResources(path, type, segment);
                }
            }
        }
    }

    private void IndexResources(string path, string type, int segment)
    {
        using var reader = NdjsonLineReader.Open(path);
        while (reader.TryReadLine(out var line))
        {
            if (TryReadId(line.Span) is { } id)
            {
                _lastSegment[(type, id)] = segment;
            }
        }
    }

    private void IndexDeletions(string path, int segment)
    {
        using var reader = NdjsonLineReader.Open(path);
        while (reader.TryReadLine(out var line))
        {
            if (DeletedKey(line) is { } key)
            {
                _lastSegment[key] = segment;
            }
        }
    }

    /// <summary>The <c>Type/id</c> a deletion Bundle's first entry deletes, or null when the line is not such a Bundle.</summary>
    public static (string Type, string Id)? DeletedKey(ReadOnlyMemory<byte> line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            return DeletedKey(document.RootElement);
        }
        catch (JsonException)
        {
            // Not JSON: it deletes nothing.
            return null;
        }
    }

    /// <summary>The <c>Type/id</c> in <c>entry[0].request.url</c> of a deletion Bundle, or null when it has none.</summary>
    public static (string Type, string Id)? DeletedKey(JsonElement bundle) =>
        bundle.ValueKind == JsonValueKind.Object
        && bundle.TryGetProperty("entry", out var entries) && entries.ValueKind == JsonValueKind.Array && entries.GetArrayLength() > 0
        && entries[0].ValueKind == JsonValueKind.Object && entries[0].TryGetProperty("request", out var request)
        && request.ValueKind == JsonValueKind.Object && request.TryGetProperty("url", out var url) && url.ValueKind == JsonValueKind.String
        && url.GetString()!.Split('/') is [var type, var id]
            ? (type, id)
            : null;

    [GeneratedRegex(@"^(?<type>[A-Z][A-Za-z]+)(\..*)?\.ndjson$")]
    private static partial Regex TypeFileName();
}
