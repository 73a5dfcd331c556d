using System.Globalization;
using System.Text.Json;
using FhirBulk.Export;
using FhirBulk.Ndjson;

namespace FhirBulk.ExportFolder;

/// <summary>
/// Summarises an export folder (ours, or any folder of <c>&lt;Type&gt;.*.ndjson[.gz]</c>): types,
/// files, resource counts, bytes, errors and the manifest's transactionTime. Every file is read
/// line by line, so the counts are the real ones, not the manifest's.
/// </summary>
public static class ExportFolderInspector
{
    /// <summary>Reads <paramref name="folder"/> and summarises it.</summary>
    /// <param name="folder">The export folder.</param>
    /// <param name="cancellationToken">Stops the scan.</param>
    /// <returns>The summary.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="ExportFolderException">manifest.json is not a Bulk Data manifest; the message says where.</exception>
    public static async Task<ExportFolderSummary> InspectAsync(string folder, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        folder = Path.GetFullPath(folder);
        var resources = NdjsonSource.FromFolder(folder);
        var files = await CountAsync(resources, cancellationToken).ConfigureAwait(false);
        var errorFolder = Path.Combine(folder, ExportFolderLayout.ErrorFolderName);
        var errors = await CountSubfolderAsync(errorFolder, cancellationToken).ConfigureAwait(false);
        var issues = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var file in errors)
        {
            foreach (var (severity, count) in await ErrorFileIssues.CountAsync(file.Path, cancellationToken).ConfigureAwait(false))
            {
                issues[severity] = issues.GetValueOrDefault(severity) + count;
            }
        }

        var deleted = await CountSubfolderAsync(Path.Combine(folder, ExportFolderLayout.DeletedFolderName), cancellationToken).ConfigureAwait(false);
        var (transactionTime, request, counts) = await ReadManifestAsync(folder, cancellationToken).ConfigureAwait(false);
        return new ExportFolderSummary(folder, transactionTime, request, files, errors, deleted, counts, resources.MalformedLines) { ErrorIssues = issues };
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

    private static async Task<(DateTimeOffset?, string?, IReadOnlyDictionary<string, long>)> ReadManifestAsync(string folder, CancellationToken cancellationToken)
    {
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var path = Path.Combine(folder, ExportFolderLayout.ManifestFileName);
        if (!File.Exists(path))
        {
            return (null, null, counts);
        }

        ExportManifest manifest;
        try
        {
            manifest = ExportManifest.Parse(await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false));
        }
        catch (JsonException exception)
        {
            throw new ExportFolderException(folder, $"{path} is not a Bulk Data manifest: {exception.Message}", exception);
        }

        foreach (var file in manifest.Output.Where(f => f.Type is not null && f.Count is not null))
        {
            counts[file.Type!] = counts.GetValueOrDefault(file.Type!) + file.Count!.Value;
        }

        DateTimeOffset? transactionTime = DateTimeOffset.TryParse(manifest.TransactionTime, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) ? parsed : null;
        return (transactionTime, manifest.Request, counts);
    }
}
