using Microsoft.Extensions.Logging;

namespace FhirBulk.Storage;

/// <summary>The storage layer's log events, source-generated with fixed ids (300-349). Never pass a credential or a connection string here.</summary>
internal static partial class StorageLog
{
    [LoggerMessage(300, LogLevel.Debug, "Wrote {Object}: {Bytes} bytes in {Parts} part(s)")]
    public static partial void ObjectWritten(ILogger logger, string @object, long bytes, int parts);

    [LoggerMessage(301, LogLevel.Debug, "Abandoned the write of {Object} after {Bytes} bytes; nothing was made visible")]
    public static partial void WriteAbandoned(ILogger logger, string @object, long bytes);

    // A warning: the storage is left holding parts that cost money until a resume (or a lifecycle rule) aborts them.
    [LoggerMessage(302, LogLevel.Warning, "Could not abort the unfinished upload of {Object} (upload {UploadId}): {Reason}")]
    public static partial void AbortFailed(ILogger logger, string @object, string uploadId, string reason);

    [LoggerMessage(303, LogLevel.Information, "Aborted the unfinished upload of {Object} started {Initiated}")]
    public static partial void PendingUploadAborted(ILogger logger, string @object, DateTimeOffset? initiated);
}
