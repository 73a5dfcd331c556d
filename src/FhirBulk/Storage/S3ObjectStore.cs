using System.Net;
using System.Runtime.CompilerServices;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FhirBulk.Storage;

/// <summary>
/// An S3 prefix as a store, through AWSSDK.S3: the AWS default credential chain, an optional S3-compatible endpoint, and
/// writes as a single PutObject (under one part) or a multipart upload, aborted when the write is abandoned.
/// </summary>
internal sealed class S3ObjectStore : ObjectStore
{
    private readonly IAmazonS3 client;
    private readonly bool ownsClient;
    private readonly BufferPool partBuffers;
    private readonly ILogger logger;

    // The endpoint a user's own `aws` command must name too, for the hint on a missing bucket.
    private readonly Uri? endpoint;

    internal override Uri? S3Endpoint => endpoint;

    // Set once a listing has shown the bucket exists, so that checking many missing objects (a resume) costs one HEAD each.
    private volatile bool bucketSeen;

    /// <summary>Uses <paramref name="client"/> as given (tests pass one with fixed emulator credentials).</summary>
    internal S3ObjectStore(StorageLocation location, ObjectStoreOptions options, IAmazonS3 client, bool ownsClient)
        : base(location)
    {
        this.client = client;
        this.ownsClient = ownsClient;
        endpoint = options.S3Endpoint;
        partBuffers = new BufferPool(options.PartSize);
        logger = options.LoggerFactory?.CreateLogger<ObjectStore>() ?? NullLogger<ObjectStore>.Instance;
    }

    private string Bucket => Location.Container!;

    /// <summary>A store with credentials from the AWS default chain.</summary>
    public static S3ObjectStore Connect(StorageLocation location, ObjectStoreOptions options)
    {
        try
        {
            // The SDK resolves credentials lazily, on the first request: a missing chain is reported there, naming the object.
            return new S3ObjectStore(location, options, new AmazonS3Client(Config(options)), ownsClient: true);
        }
        catch (AmazonClientException e)
        {
            // The SDK's "No RegionEndpoint or ServiceURL configured" does not say where a region comes from.
            var hint = options.S3Endpoint is null && e.Message.Contains("RegionEndpoint", StringComparison.Ordinal)
                ? " (set AWS_REGION or a profile's region, or give an S3-compatible server's endpoint)" : "";
            throw new StorageException(location.ToString(), $"cannot set up S3 for {location}: {e.Message}{hint}", innerException: e);
        }
    }

    /// <summary>The client configuration for the options: the one place the endpoint, addressing style and region are decided.</summary>
    internal static AmazonS3Config Config(ObjectStoreOptions options)
    {
        var config = new AmazonS3Config { ForcePathStyle = options.S3ForcePathStyle };
        if (options.S3Endpoint is { } endpoint)
        {
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = options.S3Region ?? StorageDefaults.S3EndpointRegion;

            // The SDK's default CRC checksums on every upload (aws-chunked bodies with trailers, 2025) are not understood by
            // many S3-compatible servers, which then store the chunk framing as data; they are sent only where S3 requires them.
            config.RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED;
            config.ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED;
        }
        else if (options.S3Region is { } region)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }

        return config;
    }

    private protected override async IAsyncEnumerable<StoredObject> ListCoreAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var request = new ListObjectsV2Request { BucketName = Bucket, Prefix = Location.Prefix + prefix };
        do
        {
            var page = await Call(Location.ToString() + prefix, () => client.ListObjectsV2Async(request, cancellationToken)).ConfigureAwait(false);
            foreach (var item in page.S3Objects ?? [])
            {
                yield return new StoredObject(item.Key[Location.Prefix.Length..], item.Size ?? 0, Utc(item.LastModified), item.ETag);
            }

            request.ContinuationToken = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (request.ContinuationToken is not null);
    }

    private protected override async Task<StoredObject?> GetPropertiesCoreAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            var head = await client.GetObjectMetadataAsync(Bucket, Location.Prefix + name, cancellationToken).ConfigureAwait(false);
            return new StoredObject(name, head.ContentLength, Utc(head.LastModified), head.ETag);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode is not "NoSuchBucket")
        {
            // A HEAD answer has no body, so a missing bucket is a 404 too; S3 reports it only on a request with a body.
            await ThrowIfNoBucket(name, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (Exception e) when (e is AmazonServiceException or AmazonClientException or HttpRequestException or IOException)
        {
            throw Failure(name, e);
        }
    }

    private protected override async Task<Stream> OpenReadCoreAsync(string name, long offset, CancellationToken cancellationToken)
    {
        var request = new GetObjectRequest { BucketName = Bucket, Key = Location.Prefix + name };
        if (offset > 0)
        {
            request.ByteRange = new ByteRange($"bytes={offset}-");
        }

        AmazonS3Exception refused;
        try
        {
            var response = await client.GetObjectAsync(request, cancellationToken).ConfigureAwait(false);

            // The SDK checks the object's checksum as the last bytes are read: a mismatch is thrown from a read, not from here.
            return new TranslatingReadStream(response.ResponseStream, e => e is AmazonClientException ? Failure(name, e) : null);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            refused = e;
        }
        catch (Exception e) when (e is AmazonServiceException or AmazonClientException or HttpRequestException or IOException)
        {
            throw Failure(name, e);
        }

        // S3 refuses a range that starts at the end; a shard whose range ends there reads nothing.
        return await GetPropertiesCoreAsync(name, cancellationToken).ConfigureAwait(false) is { } stored && stored.Size == offset ? Stream.Null : throw Failure(name, refused);
    }

    private protected override ObjectWriter OpenWriteCore(string name) => new Writer(this, name);

    private protected override Task DeleteCoreAsync(string name, CancellationToken cancellationToken) =>
        Call(Describe(name), () => client.DeleteObjectAsync(Bucket, Location.Prefix + name, cancellationToken));

    private protected override async Task MoveCoreAsync(string source, string destination, CancellationToken cancellationToken)
    {
        var copy = new CopyObjectRequest { SourceBucket = Bucket, SourceKey = Location.Prefix + source, DestinationBucket = Bucket, DestinationKey = Location.Prefix + destination };
        await Call(Describe(destination), () => client.CopyObjectAsync(copy, cancellationToken)).ConfigureAwait(false);
        await DeleteCoreAsync(source, cancellationToken).ConfigureAwait(false);
    }

    private protected override async IAsyncEnumerable<PendingUpload> ListPendingUploadsCoreAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var request = new ListMultipartUploadsRequest { BucketName = Bucket, Prefix = Location.Prefix + prefix };
        while (true)
        {
            var page = await Call(Location.ToString() + prefix, () => client.ListMultipartUploadsAsync(request, cancellationToken)).ConfigureAwait(false);
            foreach (var upload in page.MultipartUploads ?? [])
            {
                yield return new PendingUpload(upload.Key[Location.Prefix.Length..], upload.UploadId, Utc(upload.Initiated));
            }

            if (page.IsTruncated != true)
            {
                yield break;
            }

            request.KeyMarker = page.NextKeyMarker;
            request.UploadIdMarker = page.NextUploadIdMarker;
        }
    }

    private protected override async Task AbortPendingUploadCoreAsync(PendingUpload upload, CancellationToken cancellationToken)
    {
        var name = ObjectNames.Validate(upload.Name, Location);
        await Call(Describe(name), () => client.AbortMultipartUploadAsync(Bucket, Location.Prefix + name, upload.UploadId, cancellationToken)).ConfigureAwait(false);
        StorageLog.PendingUploadAborted(logger, Describe(name), upload.Initiated);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && ownsClient)
        {
            client.Dispose();
        }

        base.Dispose(disposing);
    }

    private static DateTimeOffset? Utc(DateTime? time) => time is { } t ? new DateTimeOffset(t.ToUniversalTime(), TimeSpan.Zero) : null;

    private async Task ThrowIfNoBucket(string name, CancellationToken cancellationToken)
    {
        if (bucketSeen)
        {
            return;
        }

        try
        {
            await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Bucket, MaxKeys = 1 }, cancellationToken).ConfigureAwait(false);
            bucketSeen = true;
        }
        catch (Exception e) when (e is AmazonServiceException or AmazonClientException or HttpRequestException or IOException)
        {
            throw Failure(name, e);
        }
    }

    private async Task<T> Call<T>(string described, Func<Task<T>> request)
    {
        try
        {
            return await request().ConfigureAwait(false);
        }
        catch (Exception e) when (e is AmazonServiceException or AmazonClientException or HttpRequestException or IOException)
        {
            throw Failure(described, e, named: true);
        }
    }

    private StorageException Failure(string name, Exception e, bool named = false)
    {
        var where = named ? name : Describe(name);
        return e switch
        {
            AmazonServiceException service => new StorageException(
                where,
                $"{where}: S3 answered {(int)service.StatusCode} {service.ErrorCode}{Explain(service)}",
                service.StatusCode,
                service.ErrorCode,
                isTransient: (int)service.StatusCode >= 500 || service.StatusCode == HttpStatusCode.TooManyRequests,
                e),

            // The SDK's only client-side failure while a body is read: the bytes do not hash to the checksum S3 sent.
            AmazonClientException when e.Message.Contains("hash", StringComparison.OrdinalIgnoreCase) => new StorageException(
                where,
                $"{where}: its bytes do not match the checksum S3 sent for it (damaged in the store or on the way)",
                errorCode: ObjectStore.ChecksumMismatch,
                isTransient: true,
                innerException: e),

            // The SDK lists each provider it tried and why, over one long line; what the user needs is where credentials come from.
            AmazonClientException when e.Message.StartsWith("Failed to resolve AWS credentials", StringComparison.Ordinal) => new StorageException(
                where,
                $"{where}: no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE with a shared credentials file, or run where an instance or container role applies",
                errorCode: "NoCredentials",
                innerException: e),

            // An unreachable endpoint and the like: the SDK's text names what it tried, never a key.
            _ => new StorageException(where, $"{where}: {e.Message}", isTransient: e is HttpRequestException or IOException, innerException: e),
        };
    }

    /// <summary>
    /// What follows the status and code: the service's own message when it sent one (an answer without a body, as to a HEAD,
    /// leaves only the SDK's "Error making request with Error Code …" boilerplate, which repeats the status), then what the
    /// user can do about a refusal or a missing bucket.
    /// </summary>
    private string Explain(AmazonServiceException service)
    {
        var message = string.IsNullOrEmpty(service.Message) || service.Message.StartsWith("Error making request with Error Code", StringComparison.Ordinal)
            ? "" : ": " + service.Message;
        return service switch
        {
            { ErrorCode: "NoSuchBucket" } => $"{message}; the bucket must exist first (fhir-bulk does not create it): create it, e.g. aws s3 mb s3://{Bucket}{(endpoint is null ? "" : $" --endpoint-url {CommandLineText.Quote(endpoint.ToString())}")}",
            { StatusCode: HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized } =>
                $"{message}; the credentials from the AWS chain were refused or lack permission for {Location}",
            _ => message,
        };
    }

    /// <summary>
    /// An S3 write: one PutObject under one part, otherwise a multipart upload started with the first full part. Bodies are
    /// sent whole with their SHA-256 signed up front (no aws-chunked framing): the part is in memory anyway, and servers
    /// that do not speak the streaming signature (s3rver) would otherwise store the chunk framing as data.
    /// </summary>
    private sealed class Writer(S3ObjectStore store, string name) : PartedObjectWriter(name, store.Describe(name), store.partBuffers, store.logger)
    {
        private readonly List<PartETag> parts = [];
        private string? uploadId;

        private string Key => store.Location.Prefix + Name;

        protected override string? UploadId => uploadId;

        protected override async Task SendPartAsync(int number, ReadOnlyMemory<byte> part, CancellationToken cancellationToken)
        {
            var described = store.Describe(Name);
            uploadId ??= (await store.Call(described, () => store.client.InitiateMultipartUploadAsync(store.Bucket, Key, cancellationToken)).ConfigureAwait(false)).UploadId;
            using var content = Content(part);
            var request = new UploadPartRequest { BucketName = store.Bucket, Key = Key, UploadId = uploadId, PartNumber = number, InputStream = content, PartSize = part.Length, UseChunkEncoding = false };
            var response = await store.Call(described, () => store.client.UploadPartAsync(request, cancellationToken)).ConfigureAwait(false);
            parts.Add(new PartETag(number, response.ETag));
        }

        protected override async Task<StoredObject> CompletePartsAsync(CancellationToken cancellationToken)
        {
            var request = new CompleteMultipartUploadRequest { BucketName = store.Bucket, Key = Key, UploadId = uploadId, PartETags = parts };
            var response = await store.Call(store.Describe(Name), () => store.client.CompleteMultipartUploadAsync(request, cancellationToken)).ConfigureAwait(false);
            return new StoredObject(Name, BytesWritten, LastModified: null, response.ETag);
        }

        protected override async Task<StoredObject> PutWholeAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
        {
            using var body = Content(content);
            var request = new PutObjectRequest { BucketName = store.Bucket, Key = Key, InputStream = body, AutoCloseStream = false, UseChunkEncoding = false };
            var response = await store.Call(store.Describe(Name), () => store.client.PutObjectAsync(request, cancellationToken)).ConfigureAwait(false);
            return new StoredObject(Name, BytesWritten, LastModified: null, response.ETag);
        }

        protected override async Task AbortAsync()
        {
            if (uploadId is not null)
            {
                // Not the write's token: it is often the one that was just cancelled, and the abort must still go out.
                await store.Call(store.Describe(Name), () => store.client.AbortMultipartUploadAsync(store.Bucket, Key, uploadId, CancellationToken.None)).ConfigureAwait(false);
            }
        }
    }
}
