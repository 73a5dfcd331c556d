using System.Text.Json.Serialization;

namespace FhirBulk.Export;

/// <summary>The kind of a manifest file, which decides its folder.</summary>
public enum ExportFileKind
{
    /// <summary>Data (<c>output</c>), written to the folder itself.</summary>
    Output,

    /// <summary>OperationOutcomes (<c>error</c>), written to <c>error/</c>.</summary>
    Error,

    /// <summary>Deleted resources (<c>deleted</c>), written to <c>deleted/</c>.</summary>
    Deleted,
}

/// <summary>Where a file of the export stands.</summary>
public enum ExportFileStatus
{
    /// <summary>Not (completely) on disk yet.</summary>
    Pending,

    /// <summary>On disk under its final name, verified.</summary>
    Complete,

    /// <summary>Could not be downloaded (see <see cref="ExportFileState.Error"/>).</summary>
    Failed,

    /// <summary>The server said the file is gone (404/410) before it was fetched.</summary>
    Expired,
}

/// <summary>One file of an export: where it came from, where it goes, and what was found in it.</summary>
/// <remarks>
/// Read-only to callers: the client alone fills it in while it downloads, and the results that hand it out
/// (<see cref="ExportResult"/>, <see cref="DownloadResult"/>) cannot be changed through it.
/// </remarks>
public sealed class ExportFileState
{
    /// <summary>The manifest list the file came from.</summary>
    [JsonInclude]
    public ExportFileKind Kind { get; internal set; }

    /// <summary>The resource type the manifest declared (after sanitizing: a hostile type becomes <c>Unknown</c>).</summary>
    [JsonInclude]
    public string Type { get; internal set; } = string.Empty;

    /// <summary>The download URL.</summary>
    [JsonInclude]
    public string Url { get; internal set; } = string.Empty;

    /// <summary>The path relative to the output folder, made by the client (<c>Patient.001.ndjson</c>, <c>error/OperationOutcome.001.ndjson</c>).</summary>
    [JsonInclude]
    public string FileName { get; internal set; } = string.Empty;

    /// <summary>The <c>count</c> the manifest declared.</summary>
    [JsonInclude]
    public long? DeclaredCount { get; internal set; }

    /// <summary>Download state.</summary>
    [JsonInclude]
    public ExportFileStatus Status { get; internal set; }

    /// <summary>Valid resources found in the file.</summary>
    [JsonInclude]
    public long Resources { get; internal set; }

    /// <summary>Lines that were not a resource of the expected type (lenient mode).</summary>
    [JsonInclude]
    public long InvalidLines { get; internal set; }

    /// <summary>The first invalid lines found, with what was wrong.</summary>
    [JsonInclude]
    public IReadOnlyList<InvalidLine>? InvalidLineSamples { get; internal set; }

    /// <summary>Bytes of the NDJSON content as the server sent it (after any transfer encoding is removed), whether or not the file is stored gzip-compressed.</summary>
    [JsonInclude]
    public long Bytes { get; internal set; }

    /// <summary>SHA-256 of the NDJSON content as the server sent it (lowercase hex): the same with and without <c>--gzip-files</c>.</summary>
    [JsonInclude]
    public string? Sha256 { get; internal set; }

    /// <summary>Bytes of the file as stored on disk (the compressed size of a <c>.ndjson.gz</c> file); what a resume and <c>inspect --verify</c> check.</summary>
    [JsonInclude]
    public long? StoredBytes { get; internal set; }

    /// <summary>SHA-256 of the file as stored on disk (lowercase hex); equals <see cref="Sha256"/> for an uncompressed file.</summary>
    [JsonInclude]
    public string? StoredSha256 { get; internal set; }

    /// <summary>The store's ETag of the object (an export to object storage), checked with its size on resume: a replaced object is fetched again.</summary>
    [JsonInclude]
    public string? StoredETag { get; internal set; }

    /// <summary>
    /// The S3 multipart upload a write of this file holds while it is under way (an export to object storage), recorded so
    /// that a resume after a crash aborts it even where the store cannot list unfinished uploads; <see langword="null"/> otherwise.
    /// </summary>
    [JsonInclude]
    public string? UploadId { get; internal set; }

    /// <summary>
    /// For an <c>error</c> file: how many OperationOutcome issues it holds per <c>severity</c> (<c>fatal</c>, <c>error</c>,
    /// <c>warning</c>, <c>information</c>; an issue without a known severity counts as <c>error</c>); otherwise <see langword="null"/>.
    /// </summary>
    [JsonInclude]
    public IReadOnlyDictionary<string, long>? Issues { get; internal set; }

    /// <summary>The strong ETag the server gave the file, sent as <c>If-Range</c> when continuing it so a changed file is fetched whole.</summary>
    [JsonInclude]
    public string? ETag { get; internal set; }

    /// <summary>Why the file failed.</summary>
    [JsonInclude]
    public string? Error { get; internal set; }

    /// <summary>True when the manifest's <c>count</c> differs from the resources found (the export is then partial).</summary>
    [JsonIgnore]
    public bool CountMismatch => DeclaredCount is { } declared && Status == ExportFileStatus.Complete && declared != Resources;
}
