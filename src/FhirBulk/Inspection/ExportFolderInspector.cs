using System.Text.Json;
using FhirBulk.Ndjson;

namespace FhirBulk.Inspection;

/// <summary>
/// Summarises an export folder (ours, or any folder of <c>&lt;Type&gt;.*.ndjson[.gz]</c>): types,
/// files, resource counts, bytes, errors and the manifest's transactionTime. Every file is read
/// line by line, so the counts are the real ones, not the manifest's.
/// </summary>
public static class ExportFolderInspector
{
    /// <summary>The Bulk Data manifest a client saves beside the files.</summary>
    public const string ManifestFileName = "manifest.json";

    /// <summary>Reads <paramref name="folder"/> and summarises it.</summary>
    /// <param name="folder">The export folder.</param>
    /// <param name="cancellationToken">Stops the scan.</param>
    /// <returns>The summary.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="JsonException">manifest.json is not JSON; the message says where.</exception>
    public static async Task<ExportFolderSummary> InspectAsync(string folder, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        folder = Path.GetFullPath(folder);
        var resources = NdjsonSource.FromFolder(folder);
        var files = await CountAsync(resources, cancellationToken).ConfigureAwait(false);
        var errors = await CountSubfolderAsync(Path.Combine(folder, "error"), cancellationToken).ConfigureAwait(false);
        var deleted = await CountSubfolderAsync(Path.Combine(folder, "deleted"), cancellationToken).ConfigureAwait(false);
        var (transactionTime, request, counts) = await ReadManifestAsync(Path.Combine(folder, ManifestFileName), cancellationToken).ConfigureAwait(false);
        return new ExportFolderSummary(folder, transactionTime, request, files, errors, deleted, counts, resources.MalformedLines);
    }

    private static async Task<IReadOnlyList<ExportFileSummary>> CountSubfolderAsync(string folder, CancellationToken cancellationToken) =>
        Directory.Exists(folder) ? await CountAsync(NdjsonSource.FromFolder(folder), cancellationToken).ConfigureAwait(false) : [];

    private static async Task<IReadOnlyList<ExportFileSummary>> CountAsync(NdjsonSource source, CancellationToken cancellationToken)
    {
        var counts = source.Files.ToDictionary(f => f.Name, _ => 0L, StringComparer.Ordinal);
        await foreach (var resource in source.ReadAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            counts[resource.SourceName]++;
        }

        return source.Files.Select(f => new ExportFileSummary(f.Name, f.ResourceType, counts[f.Name], f.Length ?? 0)).ToList();
    }

    private static async Task<(DateTimeOffset?, string?, IReadOnlyDictionary<string, long>)> ReadManifestAsync(string path, CancellationToken cancellationToken)
    {
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        if (!File.Exists(path))
        {
            return (null, null, counts);
        }

        await using var stream = File.OpenRead(path);
        using var manifest = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
        var root = manifest.RootElement;
        DateTimeOffset? transactionTime = root.TryGetProperty("transactionTime", out var t) && t.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParse(t.GetString(), System.Globalization.CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
        var request = root.TryGetProperty("request", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
        if (root.TryGetProperty("output", out var output) && output.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in output.EnumerateArray())
            {
                if (item.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String
                    && item.TryGetProperty("count", out var count) && count.TryGetInt64(out var n))
                {
                    counts[type.GetString()!] = counts.GetValueOrDefault(type.GetString()!) + n;
                }
            }
        }

        return (transactionTime, request, counts);
    }
}
