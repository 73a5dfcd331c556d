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
    /// <exception cref="ExportFolderException">The folder holds no export (no NDJSON, manifest.json or state), or manifest.json is not a Bulk Data manifest; the message says where.</exception>
    public static Task<ExportFolderSummary> InspectAsync(string folder, CancellationToken cancellationToken = default) =>
        InspectAsync(folder, verify: false, cancellationToken);

    /// <summary>Summarises <paramref name="folder"/>, and first checks it against its export's state when asked.</summary>
    /// <param name="folder">The export folder.</param>
    /// <param name="verify">
    /// Also check every file the export recorded as complete against its recorded size and SHA-256
    /// (<see cref="ExportFolderSummary.Verification"/>, as <see cref="ExportFolderVerifier.VerifyAsync"/>). A file found intact
    /// holds exactly the bytes the export counted, so its count is taken from the state instead of reading it again: the
    /// whole call then costs about what the check does.
    /// </param>
    /// <param name="cancellationToken">Stops the scan.</param>
    /// <returns>The summary.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="ExportFolderException">The folder holds no export (no NDJSON, manifest.json or state), manifest.json is not a Bulk Data manifest, or (with <paramref name="verify"/>) the folder holds no fhir-bulk export state.</exception>
    public static async Task<ExportFolderSummary> InspectAsync(string folder, bool verify, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        folder = Path.GetFullPath(folder);
        var counted = new Dictionary<string, long>(StringComparer.Ordinal);
        ExportFolderVerification? verification = null;
        if (verify)
        {
            (verification, var state) = await ExportFolderVerifier.VerifyStateAsync(folder, cancellationToken).ConfigureAwait(false);
            var damaged = verification.Problems.Select(p => p.FileName).ToHashSet(StringComparer.Ordinal);

            // A file with invalid lines is read again, so that the summary shows them.
            foreach (var file in state.Files.Where(f => f.Kind == ExportFileKind.Output && f.Status == ExportFileStatus.Complete && f.InvalidLines == 0 && !damaged.Contains(f.FileName)))
            {
                counted[ExportFolderLayout.FullPath(folder, file.FileName)] = file.Resources;
            }
        }

        var listed = ExportFolderLayout.ListNdjson(folder);
        var resources = NdjsonSource.FromFiles([.. listed.Where(f => !counted.ContainsKey(f.Name))]);
        var read = await CountAsync(resources, cancellationToken).ConfigureAwait(false);
        var readCounts = read.ToDictionary(f => f.Path, f => f.Resources, StringComparer.Ordinal);
        var files = listed.Select(f => new ExportFileSummary(f.Name, f.ResourceType, counted.TryGetValue(f.Name, out var n) ? n : readCounts[f.Name], f.Length ?? 0)).ToList();
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
        if (files.Count == 0 && errors.Count == 0 && deleted.Count == 0 && transactionTime is null
            && !File.Exists(Path.Combine(folder, ExportFolderLayout.StateFileName)))
        {
            // An empty summary would read as "an export of nothing": most often the path is not the folder meant.
            throw new ExportFolderException(folder, $"{folder} holds no export: no <Type>.*.ndjson files, no {ExportFolderLayout.ManifestFileName} and no export state.");
        }

        return new ExportFolderSummary(folder, transactionTime, request, files, errors, deleted, counts, resources.MalformedLines) { ErrorIssues = issues, Verification = verification };
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
