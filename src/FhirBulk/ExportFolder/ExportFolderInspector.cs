using System.Globalization;
using System.Text.Json;
using FhirBulk.Export;
using FhirBulk.Ndjson;
using FhirBulk.Storage;
using Microsoft.Extensions.Logging.Abstractions;

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
        var issues = await CountIssuesAsync(errors.Select(e => NdjsonSource.FromFile(e.Path)), cancellationToken).ConfigureAwait(false);
        var deleted = await CountSubfolderAsync(Path.Combine(folder, ExportFolderLayout.DeletedFolderName), cancellationToken).ConfigureAwait(false);
        var manifestPath = Path.Combine(folder, ExportFolderLayout.ManifestFileName);
        var manifest = File.Exists(manifestPath) ? await File.ReadAllBytesAsync(manifestPath, cancellationToken).ConfigureAwait(false) : null;
        return Summary(folder, manifestPath, manifest, File.Exists(Path.Combine(folder, ExportFolderLayout.StateFileName)), ReadableState(folder), null, files, errors, deleted, resources, issues, verification);
    }

    /// <summary>
    /// Summarises the export under <paramref name="store"/>'s prefix (<c>s3://bucket/prefix</c>, <c>az://container/prefix</c>)
    /// as <see cref="InspectAsync(string, bool, CancellationToken)"/> does a folder, streaming each object from the store.
    /// With <paramref name="verify"/>, every object the export recorded complete is checked by size and ETag and read back
    /// for its SHA-256.
    /// </summary>
    /// <param name="store">The store; the caller disposes it.</param>
    /// <param name="verify">Also check the recorded objects, reading each back.</param>
    /// <param name="cancellationToken">Stops the scan.</param>
    /// <returns>The summary; <see cref="ExportFolderSummary.Folder"/> is the store's URL.</returns>
    /// <exception cref="ExportFolderException">The prefix holds no export, or (with <paramref name="verify"/>) no fhir-bulk export state.</exception>
    /// <exception cref="StorageException">The store could not be listed or read.</exception>
    public static async Task<ExportFolderSummary> InspectAsync(ObjectStore store, bool verify, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var folder = store.Location.ToString();
        var target = new StoreExportTarget(store, NullLogger.Instance, TimeProvider.System);
        var state = await target.LoadStateAsync(cancellationToken).ConfigureAwait(false);
        var counted = new Dictionary<string, long>(StringComparer.Ordinal);
        ExportFolderVerification? verification = null;
        if (verify)
        {
            if (state is null)
            {
                throw new ExportFolderException(folder, $"{folder} holds no fhir-bulk export ({ExportState.FileName} is missing): there is nothing recorded to verify against.");
            }

            var complete = state.Files.Where(f => f.Status == ExportFileStatus.Complete).ToList();
            var problems = await target.VerifyAsync(complete, cancellationToken).ConfigureAwait(false);
            var damaged = problems.Select(p => p.FileName).ToHashSet(StringComparer.Ordinal);
            verification = new ExportFolderVerification(folder, complete.Count, complete.Where(f => !damaged.Contains(f.FileName)).Sum(f => f.StoredBytes ?? f.Bytes), problems, state.Completed);
            // An object failing the store's checksum cannot be read to count it: its recorded count stands beside its damaged line.
            var unreadable = problems.Where(p => p.Unreadable).Select(p => p.FileName).ToHashSet(StringComparer.Ordinal);
            foreach (var file in complete.Where(f => f.Kind == ExportFileKind.Output && f.InvalidLines == 0 && (!damaged.Contains(f.FileName) || unreadable.Contains(f.FileName))))
            {
                counted[file.FileName] = file.Resources;
            }
        }

        var top = new List<NdjsonFile>();
        var below = new Dictionary<string, List<NdjsonFile>>(StringComparer.Ordinal) { [ExportFolderLayout.ErrorFolderName] = [], [ExportFolderLayout.DeletedFolderName] = [] };
        await foreach (var stored in store.ListAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var slash = stored.Name.IndexOf('/', StringComparison.Ordinal);
            var leaf = stored.Name[(slash + 1)..];
            if (!ExportFolderLayout.IsNdjson(leaf))
            {
                continue;
            }

            var file = new NdjsonFile(stored.Name, ExportFolderLayout.TypeFromName(leaf), stored.Size);
            if (slash < 0)
            {
                top.Add(file);
            }
            else if (below.TryGetValue(stored.Name[..slash], out var list))
            {
                list.Add(file);
            }
        }

        var listed = ExportFolderLayout.InReadingOrder(top);
        var resources = NdjsonSource.FromStoreObjects(store, [.. listed.Where(f => !counted.ContainsKey(f.Name))]);
        var readCounts = (await CountAsync(resources, cancellationToken).ConfigureAwait(false)).ToDictionary(f => f.Path, f => f.Resources, StringComparer.Ordinal);
        var files = listed.Select(f => new ExportFileSummary(f.Name, f.ResourceType, counted.TryGetValue(f.Name, out var n) ? n : readCounts[f.Name], f.Length ?? 0)).ToList();
        var errorFiles = ExportFolderLayout.InReadingOrder(below[ExportFolderLayout.ErrorFolderName]);
        var errors = await CountAsync(NdjsonSource.FromStoreObjects(store, errorFiles), cancellationToken).ConfigureAwait(false);
        var issues = await CountIssuesAsync(errorFiles.Select(f => NdjsonSource.FromStoreObjects(store, [f])), cancellationToken).ConfigureAwait(false);
        var deleted = await CountAsync(NdjsonSource.FromStoreObjects(store, ExportFolderLayout.InReadingOrder(below[ExportFolderLayout.DeletedFolderName])), cancellationToken).ConfigureAwait(false);
        var manifest = await target.ReadAsync(ExportFolderLayout.ManifestFileName, cancellationToken).ConfigureAwait(false);
        return Summary(folder, store.Describe(ExportFolderLayout.ManifestFileName), manifest, state is not null, state, store.S3Endpoint, files, errors, deleted, resources, issues, verification);
    }

    // inspect shows what a folder holds even when its state cannot be read: only the note on an unfinished export is lost.
    private static ExportState? ReadableState(string folder)
    {
        try
        {
            return ExportState.Load(folder);
        }
        catch (ExportFolderException)
        {
            return null;
        }
    }

    private static ExportFolderSummary Summary(
        string folder, string manifestName, byte[]? manifestBytes, bool hasState, ExportState? state, Uri? s3Endpoint, IReadOnlyList<ExportFileSummary> files, IReadOnlyList<ExportFileSummary> errors,
        IReadOnlyList<ExportFileSummary> deleted, NdjsonSource resources, SortedDictionary<string, long> issues, ExportFolderVerification? verification)
    {
        var (transactionTime, transactionTimeText, request, counts) = ReadManifest(folder, manifestName, manifestBytes);
        if (files.Count == 0 && errors.Count == 0 && deleted.Count == 0 && transactionTime is null && !hasState)
        {
            // An empty summary would read as "an export of nothing": most often the path is not the folder meant.
            throw new ExportFolderException(folder, $"{folder} holds no export: no <Type>.*.ndjson files, no {ExportFolderLayout.ManifestFileName} and no export state.");
        }

        var unfinished = state?.Unfinished(folder, s3Endpoint);
        var running = state?.StillRunning(folder);
        return new ExportFolderSummary(folder, transactionTime, request, files, errors, deleted, counts, resources.MalformedLines)
        {
            ErrorIssues = issues,
            Verification = verification,
            TransactionTimeText = transactionTimeText,
            Unfinished = unfinished?.State,
            StillRunning = running,
            ResumeCommand = state is { Cancelled: false } && running is null ? CommandLineText.ResumeExport(folder, s3Endpoint) : null,
        };
    }

    private static async Task<SortedDictionary<string, long>> CountIssuesAsync(IEnumerable<NdjsonSource> errorFiles, CancellationToken cancellationToken)
    {
        var issues = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var file in errorFiles)
        {
            foreach (var (severity, count) in await ErrorFileIssues.CountAsync(file, cancellationToken).ConfigureAwait(false))
            {
                issues[severity] = issues.GetValueOrDefault(severity) + count;
            }
        }

        return issues;
    }

    private static async Task<IReadOnlyList<ExportFileSummary>> CountSubfolderAsync(string folder, CancellationToken cancellationToken) =>
        Directory.Exists(folder) ? await CountAsync(NdjsonSource.FromFolder(folder), cancellationToken).ConfigureAwait(false) : [];

    private static async Task<IReadOnlyList<ExportFileSummary>> CountAsync(NdjsonSource source, CancellationToken cancellationToken)
    {
        // A line names its file as the source describes it: the path of a local file, the URL of a stored object.
        var counts = source.Files.ToDictionary(source.Describe, _ => 0L, StringComparer.Ordinal);
        await foreach (var resource in source.ReadAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            counts[resource.SourceName]++;
        }

        return source.Files.Select(f => new ExportFileSummary(f.Name, f.ResourceType, counts[source.Describe(f)], f.Length ?? 0)).ToList();
    }

    private static (DateTimeOffset?, string?, string?, IReadOnlyDictionary<string, long>) ReadManifest(string folder, string path, byte[]? bytes)
    {
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        if (bytes is null)
        {
            return (null, null, null, counts);
        }

        ExportManifest manifest;
        try
        {
            manifest = ExportManifest.Parse(bytes);
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
        return (transactionTime, manifest.TransactionTime, manifest.Request, counts);
    }
}
