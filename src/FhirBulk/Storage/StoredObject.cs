namespace FhirBulk.Storage;

/// <summary>An object in a store, as a listing or a completed write reports it.</summary>
/// <param name="Name">The name relative to the store's location (<c>/</c>-separated).</param>
/// <param name="Size">The size in bytes.</param>
/// <param name="LastModified">When it was last written, when the store said.</param>
/// <param name="ETag">The store's entity tag (quotes kept as the service sends them), or <see langword="null"/> for a local file.</param>
public sealed record StoredObject(string Name, long Size, DateTimeOffset? LastModified, string? ETag);

/// <summary>
/// A write that was started and never completed or abandoned: an S3 multipart upload, or a local temporary file. It is
/// invisible to readers but holds storage until aborted with <see cref="ObjectStore.AbortPendingUploadAsync"/>.
/// </summary>
/// <param name="Name">The name the object would have had, relative to the store's location.</param>
/// <param name="UploadId">The S3 upload id, or the local temporary file's name.</param>
/// <param name="Initiated">When the write started, when the store said.</param>
public sealed record PendingUpload(string Name, string UploadId, DateTimeOffset? Initiated);
