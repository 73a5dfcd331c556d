using FhirBulk.Http;
using Microsoft.Extensions.Logging;

namespace FhirBulk.Diagnostics;

/// <summary>
/// Every log event of the client, source-generated with fixed ids. Never pass a token, assertion or key here. An event
/// naming a URL takes it whole and writes it redacted (<see cref="UrlRedaction"/>), its reason too: a signed file URL
/// carries its secret in the query, and a warning such as "Download of URL failed" is shown by default and shared.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Debug, "Retrying {Url} in {Delay} (attempt {Attempt}): {Reason}")]
    private static partial void WriteRetryScheduled(ILogger logger, string url, TimeSpan delay, int attempt, string reason);

    public static void RetryScheduled(ILogger logger, Uri url, TimeSpan delay, int attempt, string reason) =>
        WriteRetryScheduled(logger, UrlRedaction.Redacted(url), delay, attempt, UrlRedaction.RedactedIn(reason));

    // Debug: the failure is thrown right after, and the caller reports it; a warning would say it twice.
    [LoggerMessage(2, LogLevel.Debug, "Request to {Url} failed: {Reason}")]
    private static partial void WriteRequestFailed(ILogger logger, string url, string reason);

    public static void RequestFailed(ILogger logger, Uri url, string reason) =>
        WriteRequestFailed(logger, UrlRedaction.Redacted(url), UrlRedaction.RedactedIn(reason));

    [LoggerMessage(3, LogLevel.Debug, "Access token obtained from {TokenEndpoint}; it expires in {ExpiresIn}")]
    private static partial void WriteTokenIssued(ILogger logger, string tokenEndpoint, TimeSpan expiresIn);

    public static void TokenIssued(ILogger logger, Uri tokenEndpoint, TimeSpan expiresIn) =>
        WriteTokenIssued(logger, UrlRedaction.Redacted(tokenEndpoint), expiresIn);

    [LoggerMessage(4, LogLevel.Debug, "{Url} refused the access token; requesting a new one")]
    private static partial void WriteTokenRefused(ILogger logger, string url);

    public static void TokenRefused(ILogger logger, Uri url) =>
        WriteTokenRefused(logger, UrlRedaction.Redacted(url));

    [LoggerMessage(5, LogLevel.Debug, "Following redirect to {Location}; bearer token sent: {WithToken}")]
    private static partial void WriteRedirectFollowed(ILogger logger, string location, bool withToken);

    public static void RedirectFollowed(ILogger logger, Uri location, bool withToken) =>
        WriteRedirectFollowed(logger, UrlRedaction.Redacted(location), withToken);

    [LoggerMessage(6, LogLevel.Information, "Export started; status at {StatusUrl}")]
    private static partial void WriteExportStarted(ILogger logger, string statusUrl);

    public static void ExportStarted(ILogger logger, Uri statusUrl) =>
        WriteExportStarted(logger, UrlRedaction.Redacted(statusUrl));

    [LoggerMessage(7, LogLevel.Debug, "Export in progress: {Progress}")]
    public static partial void ExportProgress(ILogger logger, string? progress);

    [LoggerMessage(8, LogLevel.Information, "Export complete: {Outputs} output, {Errors} error and {Deleted} deleted files")]
    public static partial void ExportComplete(ILogger logger, int outputs, int errors, int deleted);

    [LoggerMessage(9, LogLevel.Information, "Downloaded {FileName}: {Resources} resources, {Bytes} bytes")]
    public static partial void FileDownloaded(ILogger logger, string fileName, long resources, long bytes);

    [LoggerMessage(10, LogLevel.Warning, "Download of {Url} failed: {Reason}")]
    private static partial void WriteFileFailed(ILogger logger, string url, string reason);

    public static void FileFailed(ILogger logger, string url, string reason) =>
        WriteFileFailed(logger, UrlRedaction.Redacted(url), UrlRedaction.RedactedIn(reason));

    [LoggerMessage(11, LogLevel.Warning, "{FileName}: the manifest says {Declared} resources, the file holds {Actual}")]
    public static partial void CountMismatch(ILogger logger, string fileName, long declared, long actual);

    [LoggerMessage(12, LogLevel.Warning, "{FileName}:{Line}: {Problem}")]
    public static partial void InvalidLine(ILogger logger, string fileName, long line, string problem);

    [LoggerMessage(13, LogLevel.Debug, "No SMART configuration at {Url} ({Reason}); falling back to the CapabilityStatement")]
    private static partial void WriteDiscoveryFallback(ILogger logger, string url, string reason);

    public static void DiscoveryFallback(ILogger logger, Uri url, string reason) =>
        WriteDiscoveryFallback(logger, UrlRedaction.Redacted(url), UrlRedaction.RedactedIn(reason));

    [LoggerMessage(14, LogLevel.Warning, "Could not delete the export job at {StatusUrl}: {Reason}")]
    private static partial void WriteJobDeleteFailed(ILogger logger, string statusUrl, string reason);

    public static void JobDeleteFailed(ILogger logger, Uri statusUrl, string reason) =>
        WriteJobDeleteFailed(logger, UrlRedaction.Redacted(statusUrl), UrlRedaction.RedactedIn(reason));

    [LoggerMessage(15, LogLevel.Warning, "Files expired before they were fetched: {Count}; starting the export again (attempt {Attempt})")]
    public static partial void ReExporting(ILogger logger, int count, int attempt);

    [LoggerMessage(16, LogLevel.Information, "Resuming export in {Directory}")]
    public static partial void Resuming(ILogger logger, string directory);

    [LoggerMessage(17, LogLevel.Warning, "{FileName} was complete but is no longer as recorded ({Problem}); fetching it again")]
    public static partial void FileDamaged(ILogger logger, string fileName, string problem);

    [LoggerMessage(18, LogLevel.Warning, "Moved the files this export did not write ({Count}) from {Directory} to history/{Stamp}/")]
    public static partial void ForeignFilesMoved(ILogger logger, int count, string directory, string stamp);

    [LoggerMessage(19, LogLevel.Warning, "{PartFile} left by an earlier run: kept {Kept} of {Length} bytes ({Reason})")]
    public static partial void PartFileCut(ILogger logger, string partFile, long length, long kept, string reason);

    [LoggerMessage(20, LogLevel.Debug, "HTTP {Method} {Url}")]
    public static partial void HttpRequest(ILogger logger, string method, string url);

    [LoggerMessage(21, LogLevel.Debug, "HTTP {Method} {Url} answered {Status} in {ElapsedMs} ms")]
    public static partial void HttpResponse(ILogger logger, string method, string url, int status, long elapsedMs);

    [LoggerMessage(22, LogLevel.Debug, "HTTP {Method} {Url} got no answer after {ElapsedMs} ms ({Reason})")]
    public static partial void HttpNoResponse(ILogger logger, string method, string url, long elapsedMs, string reason);

    [LoggerMessage(23, LogLevel.Warning, "Could not abort the unfinished upload {UploadId} of {Object} left by an earlier run: {Reason}; it holds storage until a lifecycle rule of the bucket removes it")]
    public static partial void UploadAbortFailed(ILogger logger, string @object, string uploadId, string reason);

    [LoggerMessage(24, LogLevel.Warning, "Took over {Lock}: its holder ({Holder}) is no longer running")]
    public static partial void StaleLockTaken(ILogger logger, string @lock, string holder);

    [LoggerMessage(25, LogLevel.Warning, "{Directory} held {Previous}; moved its files to history/{Stamp}/ before starting this export")]
    public static partial void PreviousExportMoved(ILogger logger, string directory, string previous, string stamp);

    [LoggerMessage(26, LogLevel.Warning, "{Directory} holds its previous export again, moved back from history/: the server refused or never answered this export's kick-off, so it started nothing")]
    public static partial void PreviousExportRestored(ILogger logger, string directory);
}
