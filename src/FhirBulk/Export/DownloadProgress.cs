namespace FhirBulk.Export;

/// <summary>Progress of one file's download, for a per-file progress bar.</summary>
/// <param name="FileName">The file's path relative to the output folder.</param>
/// <param name="ResourceType">The file's resource type.</param>
/// <param name="BytesDownloaded">Bytes on disk so far (including a resumed prefix).</param>
/// <param name="TotalBytes">The expected size, when the server said (Content-Length or the manifest's fileSize).</param>
/// <param name="Status">Pending while downloading; the final status once done.</param>
public sealed record DownloadProgress(string FileName, string ResourceType, long BytesDownloaded, long? TotalBytes, ExportFileStatus Status);

/// <summary>The outcome of downloading a manifest's files.</summary>
/// <param name="Files">Every file, whatever its status.</param>
public sealed record DownloadResult(IReadOnlyList<ExportFileState> Files)
{
    /// <summary>True when any file failed or expired.</summary>
    public bool HasFailures => Files.Any(f => f.Status is ExportFileStatus.Failed or ExportFileStatus.Expired);
}
