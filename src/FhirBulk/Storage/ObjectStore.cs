namespace FhirBulk.Storage;

/// <summary>
/// Objects under one <see cref="StorageLocation"/>: a local folder, an S3 prefix or an Azure Blob prefix, behind one API.
/// Names are relative to the location and <c>/</c>-separated (<c>Patient.001.ndjson</c>, <c>lake/Patient/part-0.parquet</c>).
/// Reads stream; writes hold one part in memory and become visible only when complete.
/// </summary>
/// <remarks>
/// Create one with <see cref="Create(StorageLocation, ObjectStoreOptions?)"/>. Credentials come only from each cloud's
/// standard chain: for S3 the AWS default chain (environment variables, shared credentials and config files with
/// <c>AWS_PROFILE</c>, web identity, container and instance roles); for Azure <c>AZURE_STORAGE_CONNECTION_STRING</c> when set,
/// otherwise <c>DefaultAzureCredential</c>. Every failure is a <see cref="StorageException"/> naming the object and the
/// service's status and error code, never a secret. A store is safe to use from several tasks at once.
/// </remarks>
public abstract class ObjectStore : IDisposable
{
    /// <summary>The <see cref="StorageException.ErrorCode"/> of a read whose bytes do not match the checksum the store sent
    /// for the object: it was damaged in the store or on the way. Reading it again may succeed; a damaged object never will.</summary>
    public const string ChecksumMismatch = "ChecksumMismatch";

    private protected ObjectStore(StorageLocation location) => Location = location;

    /// <summary>The S3-compatible server this store is on, which a command naming its URL must name too (the URL alone
    /// means AWS); <see langword="null"/> when the URL is enough.</summary>
    internal virtual Uri? S3Endpoint => null;

    /// <summary>The location the names are relative to.</summary>
    public StorageLocation Location { get; }

    /// <summary>Creates the store for a location, with credentials from the cloud's standard chain.</summary>
    /// <param name="location">The location.</param>
    /// <param name="options">Options, copied and validated here; <see langword="null"/> for the defaults.</param>
    /// <returns>A local, S3 or Azure Blob store.</returns>
    /// <exception cref="StorageException">The location's cloud cannot be reached as configured (an <c>az://</c> location
    /// with no account to resolve it against, say).</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static ObjectStore Create(StorageLocation location, ObjectStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(location);
        var validated = (options ?? new ObjectStoreOptions()).Validated();
        return location.Kind switch
        {
            StorageKind.Local => new LocalObjectStore(location, validated),
            StorageKind.S3 => S3ObjectStore.Connect(location, validated),
            _ => AzureBlobObjectStore.Connect(location, validated, Environment.GetEnvironmentVariable),
        };
    }

    /// <summary>Parses <paramref name="location"/> (<see cref="StorageLocation.Parse"/>) and creates its store.</summary>
    /// <param name="location">A local path or a storage URL.</param>
    /// <param name="options">Options; <see langword="null"/> for the defaults.</param>
    /// <returns>The store.</returns>
    /// <exception cref="StorageException">The location is malformed or its cloud cannot be reached as configured.</exception>
    public static ObjectStore Create(string location, ObjectStoreOptions? options = null) => Create(StorageLocation.Parse(location), options);

    /// <summary>The URL (or local path) of an object, for messages.</summary>
    /// <param name="name">The object's name.</param>
    /// <returns>E.g. <c>s3://bucket/exports/Patient.001.ndjson</c>.</returns>
    public string Describe(string name) => Location.Describe(name);

    /// <summary>Lists the complete objects whose names start with <paramref name="prefix"/>, at every depth, in no promised order.
    /// Writes in progress are not listed.</summary>
    /// <param name="prefix">A name prefix (<c>Patient.</c>, <c>lake/</c>); empty for everything under the location.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The objects, fetched a page at a time.</returns>
    /// <exception cref="StorageException">The listing failed (a missing bucket or container, refused credentials).</exception>
    public IAsyncEnumerable<StoredObject> ListAsync(string prefix = "", CancellationToken cancellationToken = default) =>
        ListCoreAsync(ObjectNames.ValidatePrefix(prefix, Location), cancellationToken);

    /// <summary>An object's size, ETag and last-modified time, or <see langword="null"/> when there is none of that name.</summary>
    /// <param name="name">The object's name.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The object, or <see langword="null"/>.</returns>
    /// <exception cref="StorageException">The request failed for another reason than a missing object.</exception>
    public Task<StoredObject?> GetPropertiesAsync(string name, CancellationToken cancellationToken = default) =>
        GetPropertiesCoreAsync(ObjectNames.Validate(name, Location), cancellationToken);

    /// <summary>Whether an object of that name exists (complete: a write in progress does not count).</summary>
    /// <param name="name">The object's name.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns><see langword="true"/> when it exists.</returns>
    /// <exception cref="StorageException">The request failed.</exception>
    public async Task<bool> ExistsAsync(string name, CancellationToken cancellationToken = default) =>
        await GetPropertiesAsync(name, cancellationToken).ConfigureAwait(false) is not null;

    /// <summary>Opens an object for reading from <paramref name="offset"/> to its end, streamed from the store (one request,
    /// not buffered): a shard reads its byte range by starting at the range's offset and stopping where it ends.</summary>
    /// <param name="name">The object's name.</param>
    /// <param name="offset">The first byte to read; the object's size gives an empty stream.</param>
    /// <param name="cancellationToken">Cancels opening; the stream's reads take their own token.</param>
    /// <returns>A forward-only stream; dispose it to release the connection. Its reads throw a <see cref="StorageException"/>
    /// with <see cref="ChecksumMismatch"/> when the bytes do not match the store's checksum.</returns>
    /// <exception cref="StorageException">The object does not exist, <paramref name="offset"/> is past its end, or the request failed.</exception>
    public Task<Stream> OpenReadAsync(string name, long offset = 0, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        return OpenReadCoreAsync(ObjectNames.Validate(name, Location), offset, cancellationToken);
    }

    /// <summary>Starts writing an object. Nothing is visible under the name until <see cref="ObjectWriter.CommitAsync"/>;
    /// disposing the writer without committing abandons the write and leaves no trace (an S3 multipart upload is aborted).</summary>
    /// <param name="name">The object's name; an existing object of that name is replaced at commit.</param>
    /// <returns>The writer; dispose it whether or not it was committed.</returns>
    /// <exception cref="StorageException">The name is not valid, or (locally) the folder cannot be written.</exception>
    public ObjectWriter OpenWrite(string name) => OpenWriteCore(ObjectNames.Validate(name, Location));

    /// <summary>Writes an object from a stream read to its end, visible only once complete; on failure or cancellation
    /// nothing is visible and no upload is left behind.</summary>
    /// <param name="name">The object's name; an existing object of that name is replaced.</param>
    /// <param name="content">The bytes, read from the current position to the end.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The object written.</returns>
    /// <exception cref="StorageException">The store refused the write.</exception>
    public async Task<StoredObject> WriteAsync(string name, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var writer = OpenWrite(name);
        await using (writer.ConfigureAwait(false))
        {
            await content.CopyToAsync(writer, cancellationToken).ConfigureAwait(false);
            return await writer.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Deletes an object; deleting one that does not exist is not an error.</summary>
    /// <param name="name">The object's name.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A task that completes when the object is gone.</returns>
    /// <exception cref="StorageException">The request failed.</exception>
    public Task DeleteAsync(string name, CancellationToken cancellationToken = default) =>
        DeleteCoreAsync(ObjectNames.Validate(name, Location), cancellationToken);

    /// <summary>Moves an object to another name in this store, replacing any object there, and deletes the source: locally a
    /// rename, on S3 a server-side CopyObject (one request, so objects up to 5 GB), on Azure a server-side Copy Blob. No byte
    /// passes through this process, and a reader of <paramref name="destination"/> sees the old object or the whole new one.
    /// A move stopped part-way leaves the source, and on S3 or Azure possibly the destination as well.</summary>
    /// <param name="source">The object to move.</param>
    /// <param name="destination">Its new name.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A task that completes when the object is under its new name only.</returns>
    /// <exception cref="StorageException">The source does not exist or a request failed.</exception>
    public Task MoveAsync(string source, string destination, CancellationToken cancellationToken = default) =>
        MoveCoreAsync(ObjectNames.Validate(source, Location), ObjectNames.Validate(destination, Location), cancellationToken);

    /// <summary>Lists writes under <paramref name="prefix"/> that were started and never completed nor abandoned (a crashed
    /// or killed writer's): S3 multipart uploads, local temporary files. Azure has none to list: uncommitted blocks are
    /// invisible, never billed as an object, and discarded by the service after a week.</summary>
    /// <param name="prefix">A name prefix; empty for everything under the location.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The pending uploads.</returns>
    /// <exception cref="StorageException">The listing failed (including a server that does not implement it: s3rver answers 501).</exception>
    public IAsyncEnumerable<PendingUpload> ListPendingUploadsAsync(string prefix = "", CancellationToken cancellationToken = default) =>
        ListPendingUploadsCoreAsync(ObjectNames.ValidatePrefix(prefix, Location), cancellationToken);

    /// <summary>Aborts a pending upload, freeing what it holds (on resume, before writing the object again).</summary>
    /// <param name="upload">An upload from <see cref="ListPendingUploadsAsync"/>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A task that completes when the upload is gone.</returns>
    /// <exception cref="StorageException">The request failed.</exception>
    public Task AbortPendingUploadAsync(PendingUpload upload, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(upload);
        return AbortPendingUploadCoreAsync(upload, cancellationToken);
    }

    /// <summary>Releases the store's HTTP clients.</summary>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the store's resources.</summary>
    /// <param name="disposing">Whether called from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
    }

    private protected abstract IAsyncEnumerable<StoredObject> ListCoreAsync(string prefix, CancellationToken cancellationToken);

    private protected abstract Task<StoredObject?> GetPropertiesCoreAsync(string name, CancellationToken cancellationToken);

    private protected abstract Task<Stream> OpenReadCoreAsync(string name, long offset, CancellationToken cancellationToken);

    private protected abstract ObjectWriter OpenWriteCore(string name);

    private protected abstract Task DeleteCoreAsync(string name, CancellationToken cancellationToken);

    private protected abstract Task MoveCoreAsync(string source, string destination, CancellationToken cancellationToken);

    private protected abstract IAsyncEnumerable<PendingUpload> ListPendingUploadsCoreAsync(string prefix, CancellationToken cancellationToken);

    private protected abstract Task AbortPendingUploadCoreAsync(PendingUpload upload, CancellationToken cancellationToken);
}
