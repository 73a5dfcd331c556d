using FhirBulk.Export;
using FhirBulk.Ndjson;

namespace FhirBulk.ExportFolder;

/// <summary>One NDJSON file of an export folder and what it holds.</summary>
/// <param name="Path">The file's full path.</param>
/// <param name="ResourceType">The type its name says, or <see langword="null"/> for a mixed file.</param>
/// <param name="Resources">Lines that are FHIR resources.</param>
/// <param name="Bytes">The file's size on disk.</param>
public sealed record ExportFileSummary(string Path, string? ResourceType, long Resources, long Bytes);

/// <summary>What an export folder holds: what <c>fhir-bulk inspect</c> prints.</summary>
/// <param name="Folder">The folder's full path.</param>
/// <param name="TransactionTime">The manifest's <c>transactionTime</c>, or <see langword="null"/> without a manifest.</param>
/// <param name="Request">The manifest's <c>request</c> URL, or <see langword="null"/>.</param>
/// <param name="Files">The resource files, in type then name order.</param>
/// <param name="ErrorFiles">The files of <c>error/</c> (OperationOutcomes the server reported).</param>
/// <param name="DeletedFiles">The files of <c>deleted/</c> (Bundles of deleted resources, after a <c>_since</c> export).</param>
/// <param name="ManifestCounts">The resource counts the manifest announced per type (servers miscount; compare with <see cref="ResourcesByType"/>).</param>
/// <param name="MalformedLines">Lines that are not FHIR resources: a count and the first few.</param>
public sealed record ExportFolderSummary(
    string Folder,
    DateTimeOffset? TransactionTime,
    string? Request,
    IReadOnlyList<ExportFileSummary> Files,
    IReadOnlyList<ExportFileSummary> ErrorFiles,
    IReadOnlyList<ExportFileSummary> DeletedFiles,
    IReadOnlyDictionary<string, long> ManifestCounts,
    MalformedLineReport MalformedLines)
{
    /// <summary>Resources per type over all files, in ordinal order of type.</summary>
    public IReadOnlyDictionary<string, long> ResourcesByType =>
        Files.GroupBy(f => f.ResourceType ?? "(mixed)", StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(f => f.Resources), StringComparer.Ordinal);

    /// <summary>OperationOutcomes in <c>error/</c>.</summary>
    public long Errors => ErrorFiles.Sum(f => f.Resources);

    /// <summary>
    /// Types whose resources in the folder differ from the count <c>manifest.json</c> announced for them: (type, announced,
    /// found). Empty without a manifest.
    /// </summary>
    public IReadOnlyList<(string Type, long Announced, long Found)> ManifestCountMismatches =>
        [.. ManifestCounts.Select(m => (m.Key, m.Value, ResourcesByType.GetValueOrDefault(m.Key))).Where(m => m.Item2 != m.Item3)];

    /// <summary>
    /// The manifest's <c>transactionTime</c> as the server wrote it (its precision and zone kept: it is the next
    /// <c>_since</c>), or <see langword="null"/> without a manifest.
    /// </summary>
    public string? TransactionTimeText { get; init; }

    /// <summary>What checking the folder against its export's state found, when the inspection was asked to; otherwise <see langword="null"/>.</summary>
    public ExportFolderVerification? Verification { get; init; }

    /// <summary>
    /// What the folder's export is when fhir-bulk's state says it did not complete ("an unfinished export (5 of 8 files of
    /// its manifest are complete)", or one cancelled), so its files are not all there; <see langword="null"/> when it
    /// completed or there is no readable state.
    /// </summary>
    public string? Unfinished { get; init; }

    /// <summary>
    /// "an export that is still running (process 123)" when the <see cref="Unfinished"/> export is running now (another
    /// process holds the folder's lock): wait for it, as resuming it would be refused; <see langword="null"/> otherwise.
    /// </summary>
    public string? StillRunning { get; init; }

    /// <summary>The command that resumes the folder's export, finishing an <see cref="Unfinished"/> one or fetching damaged
    /// files again (<c>fhir-bulk export --resume …</c>, with <c>--s3-endpoint</c> where the store needs it);
    /// <see langword="null"/> without a readable state, once cancelled (its job is gone), or while it is <see cref="StillRunning"/>.</summary>
    public string? ResumeCommand { get; init; }

    /// <summary>The issues of the OperationOutcomes in <c>error/</c> per <c>severity</c> (<c>fatal</c>, <c>error</c>, <c>warning</c>, <c>information</c>).</summary>
    public IReadOnlyDictionary<string, long> ErrorIssues { get; init; } = new Dictionary<string, long>();

    /// <summary>
    /// Whether the server reported that something did not come through: an issue of severity <c>error</c> or <c>fatal</c>
    /// (the Bulk Data IG's <c>error</c> array also carries warnings and information, which do not count).
    /// </summary>
    public bool HasServerErrors => ErrorFileIssues.AnyFailure(ErrorIssues);

    /// <summary>Total bytes of the resource files.</summary>
    public long Bytes => Files.Sum(f => f.Bytes);
}
