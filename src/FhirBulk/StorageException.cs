using System.Net;

namespace FhirBulk;

/// <summary>
/// A storage location (a local folder, an S3 bucket, an Azure Blob container) cannot be used as asked: its URL is malformed,
/// the bucket or container does not exist, the credentials are missing or refused, or an object cannot be read or written.
/// The message names the location or object and the service's error code, never a credential; nothing on the FHIR server
/// is wrong.
/// </summary>
public sealed class StorageException : FhirBulkException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="location">The location or object, as a URL or local path (<c>s3://bucket/prefix/name</c>).</param>
    /// <param name="message">What went wrong, naming <paramref name="location"/>.</param>
    /// <param name="statusCode">The HTTP status the storage service answered, if any.</param>
    /// <param name="errorCode">The service's error code (<c>NoSuchBucket</c>, <c>ContainerNotFound</c>, <c>AccessDenied</c>), if any.</param>
    /// <param name="isTransient">Whether trying again later could succeed (a 5xx, a throttle, a cut connection).</param>
    /// <param name="innerException">The SDK's or the operating system's failure, if any.</param>
    public StorageException(string location, string message, HttpStatusCode? statusCode = null, string? errorCode = null, bool isTransient = false, Exception? innerException = null)
        : base(message, statusCode, AsUri(location), operationOutcome: null, isTransient, innerException)
    {
        Location = location;
        ErrorCode = errorCode;
    }

    /// <summary>The location or object at fault, as a URL (<c>s3://…</c>, <c>az://…</c>, <c>https://…</c>) or a local path.</summary>
    public string Location { get; }

    /// <summary>The storage service's error code (<c>NoSuchBucket</c>, <c>ContainerNotFound</c>, <c>AccessDenied</c>), when it sent one.</summary>
    public string? ErrorCode { get; }

    private static Uri? AsUri(string location) => Uri.TryCreate(location, UriKind.Absolute, out var uri) ? uri : null;
}
