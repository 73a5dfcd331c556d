using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using Azure;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FhirBulk.Storage;

/// <summary>
/// An Azure Blob prefix as a store, through Azure.Storage.Blobs: block blobs written as staged blocks and one commit (or
/// one Put Blob under a block's size), so a blob appears only complete; an abandoned write's blocks stay uncommitted,
/// invisible, and are discarded by the service.
/// </summary>
internal sealed class AzureBlobObjectStore : ObjectStore
{
    /// <summary>The variable the Azure SDKs and CLI read a connection string from.</summary>
    internal const string ConnectionStringVariable = "AZURE_STORAGE_CONNECTION_STRING";

    /// <summary>The variable the Azure CLI reads the account name from; names the account of an <c>az://</c> location without a connection string.</summary>
    internal const string AccountVariable = "AZURE_STORAGE_ACCOUNT";

    private readonly BlobContainerClient container;
    private readonly BufferPool partBuffers;
    private readonly ILogger logger;

    /// <summary>Uses <paramref name="container"/> as given (tests pass one for the emulator).</summary>
    internal AzureBlobObjectStore(StorageLocation location, ObjectStoreOptions options, BlobContainerClient container)
        : base(location)
    {
        this.container = container;
        partBuffers = new BufferPool(options.PartSize);
        logger = options.LoggerFactory?.CreateLogger<ObjectStore>() ?? NullLogger<ObjectStore>.Instance;
    }

    /// <summary>
    /// A store with credentials from Azure's standard chain: the connection string in
    /// <c>AZURE_STORAGE_CONNECTION_STRING</c> when set (and, for an https:// location, naming the same account), otherwise
    /// <c>DefaultAzureCredential</c> against the location's account, or <c>AZURE_STORAGE_ACCOUNT</c>'s for <c>az://</c>.
    /// </summary>
    /// <param name="location">An Azure Blob location.</param>
    /// <param name="options">Validated options.</param>
    /// <param name="environment">Reads an environment variable (the process's, outside tests).</param>
    public static AzureBlobObjectStore Connect(StorageLocation location, ObjectStoreOptions options, Func<string, string?> environment)
    {
        var clientOptions = new BlobClientOptions();
        BlobServiceClient? service = null;
        if (environment(ConnectionStringVariable) is { Length: > 0 } connectionString)
        {
            try
            {
                service = new BlobServiceClient(connectionString, clientOptions);
            }
            catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
            {
                // The text itself is a secret: the message names only the variable.
                throw new StorageException(location.ToString(), $"{ConnectionStringVariable} is not a valid Azure Storage connection string; unset it to use DefaultAzureCredential");
            }

            if (location.AzureAccount is { } named && !string.Equals(named, service.AccountName, StringComparison.OrdinalIgnoreCase))
            {
                service = null;
            }
        }

        if (service is null)
        {
            var account = location.AzureAccount ?? environment(AccountVariable);
            if (string.IsNullOrEmpty(account))
            {
                throw new StorageException(
                    location.ToString(),
                    $"{location} names no storage account: set {ConnectionStringVariable} or {AccountVariable}, or use https://ACCOUNT.blob.core.windows.net/{location.Container}/{location.Prefix}");
            }

            var host = location.AzureHost ?? $"{account}.blob.core.windows.net";
            service = new BlobServiceClient(new Uri($"https://{host}"), new DefaultAzureCredential(), clientOptions);
        }

        return new AzureBlobObjectStore(location, options, service.GetBlobContainerClient(location.Container));
    }

    private protected override async IAsyncEnumerable<StoredObject> ListCoreAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var pages = container.GetBlobsAsync(BlobTraits.None, BlobStates.None, Location.Prefix + prefix, cancellationToken).AsPages();
        await using var enumerator = pages.GetAsyncEnumerator(cancellationToken);
        while (await Call(Location.ToString() + prefix, async () => await enumerator.MoveNextAsync().ConfigureAwait(false)).ConfigureAwait(false))
        {
            foreach (var item in enumerator.Current.Values)
            {
                yield return new StoredObject(item.Name[Location.Prefix.Length..], item.Properties.ContentLength ?? 0, item.Properties.LastModified, item.Properties.ETag?.ToString());
            }
        }
    }

    private protected override async Task<StoredObject?> GetPropertiesCoreAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            BlobProperties properties = await Blob(name).GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return new StoredObject(name, properties.ContentLength, properties.LastModified, properties.ETag.ToString());
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.BlobNotFound)
        {
            return null;
        }
        catch (Exception e) when (IsFailure(e))
        {
            throw Failure(Describe(name), e);
        }
    }

    private protected override async Task<Stream> OpenReadCoreAsync(string name, long offset, CancellationToken cancellationToken)
    {
        RequestFailedException refused;
        try
        {
            var options = new BlobDownloadOptions { Range = new HttpRange(offset) };
            BlobDownloadStreamingResult result = await Blob(name).DownloadStreamingAsync(options, cancellationToken).ConfigureAwait(false);

            // The SDK's stream asks again for the rest after a cut; a refused or failed retry is thrown from a read. A cut it
            // gives up on stays an IOException, which a download retries.
            return new TranslatingReadStream(result.Content, e => e is RequestFailedException or AggregateException ? Failure(Describe(name), e) : null);
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            refused = e;
        }
        catch (Exception e) when (IsFailure(e))
        {
            throw Failure(Describe(name), e);
        }

        // Like S3, Blob Storage refuses a range that starts at the end; a shard whose range ends there reads nothing.
        return await GetPropertiesCoreAsync(name, cancellationToken).ConfigureAwait(false) is { } stored && stored.Size == offset ? Stream.Null : throw Failure(Describe(name), refused);
    }

    private protected override ObjectWriter OpenWriteCore(string name) => new Writer(this, name);

    private protected override Task DeleteCoreAsync(string name, CancellationToken cancellationToken) =>
        Call(Describe(name), async () => (bool)await Blob(name).DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false));

    // Uncommitted blocks are not an upload to abort: they are invisible, and the service discards them a week after the last
    // block was staged (https://learn.microsoft.com/rest/api/storageservices/put-block#remarks); a new write commits only its own.
    private protected override async Task MoveCoreAsync(string source, string destination, CancellationToken cancellationToken)
    {
        // Within one account the service copies on its own credential check, without a SAS for the source; the copy is
        // usually done when it starts, and waiting polls until it is.
        await Call(Describe(destination), async () =>
        {
            CopyFromUriOperation copy = await Blob(destination).StartCopyFromUriAsync(Blob(source).Uri, cancellationToken: cancellationToken).ConfigureAwait(false);
            return await copy.WaitForCompletionAsync(cancellationToken).ConfigureAwait(false);
        }).ConfigureAwait(false);
        await DeleteCoreAsync(source, cancellationToken).ConfigureAwait(false);
    }

    private protected override IAsyncEnumerable<PendingUpload> ListPendingUploadsCoreAsync(string prefix, CancellationToken cancellationToken) =>
        AsyncEnumerable.Empty<PendingUpload>();

    private protected override Task AbortPendingUploadCoreAsync(PendingUpload upload, CancellationToken cancellationToken) =>
        throw new ArgumentException($"{upload.Name}: Azure Blob Storage has no pending uploads to abort", nameof(upload));

    // The SDK's retry policy gives up with an AggregateException of every try's failure (a store that cannot be reached).
    private static bool IsFailure(Exception e) => e is RequestFailedException or AuthenticationFailedException or HttpRequestException or IOException or AggregateException;

    private BlockBlobClient Blob(string name) => container.GetBlockBlobClient(Location.Prefix + name);

    private async Task<T> Call<T>(string described, Func<Task<T>> request)
    {
        try
        {
            return await request().ConfigureAwait(false);
        }
        catch (Exception e) when (IsFailure(e))
        {
            throw Failure(described, e);
        }
    }

    private StorageException Failure(string where, Exception e) => e switch
    {
        // The SDK's own message repeats the request's headers (redacted) over many lines: the status and code say it.
        RequestFailedException failed => new StorageException(
            where,
            $"{where}: Azure Blob Storage answered {failed.Status} {failed.ErrorCode}{Hint(failed)}",
            failed.Status == 0 ? null : (HttpStatusCode)failed.Status,
            failed.ErrorCode,
            isTransient: failed.Status is 0 or 408 or 429 or >= 500,
            e),

        // DefaultAzureCredential lists each credential it tried and why it was unavailable; the first line is the summary.
        AuthenticationFailedException auth => new StorageException(where, $"{where}: no Azure credential: {FirstLine(auth.Message)}", errorCode: "AuthenticationFailed", innerException: e),
        AggregateException { InnerExceptions.Count: > 0 } tries => new StorageException(
            where, $"{where}: {FirstLine(tries.InnerExceptions[^1].Message)} (gave up after {tries.InnerExceptions.Count} tries)", isTransient: true, innerException: e),
        _ => new StorageException(where, $"{where}: {e.Message}", isTransient: true, innerException: e),
    };

    /// <summary>What the user can do about a missing container (which a first export to a fresh account always meets) or a refusal.</summary>
    private string Hint(RequestFailedException failed) => failed switch
    {
        { ErrorCode: var code } when code == BlobErrorCode.ContainerNotFound =>
            $"; the container must exist first (fhir-bulk does not create it): create it, e.g. az storage container create --name {Location.Container}",
        { Status: 401 or 403 } =>
            $"; the credentials (AZURE_STORAGE_CONNECTION_STRING, or the identity DefaultAzureCredential found) were refused or lack permission for {Location}",
        _ => "",
    };

    private static string FirstLine(string text) => text.Split('\n', 2)[0].TrimEnd('\r');

    /// <summary>An Azure write: one Put Blob under one block, otherwise staged blocks committed as a list at the end.</summary>
    private sealed class Writer(AzureBlobObjectStore store, string name) : PartedObjectWriter(name, store.Describe(name), store.partBuffers, store.logger)
    {
        // Block ids of one blob must all have the same length; this write's own prefix keeps a crashed write's blocks out.
        private readonly string writeId = Guid.NewGuid().ToString("N");
        private readonly List<string> blocks = [];

        protected override string? UploadId => null;

        protected override async Task SendPartAsync(int number, ReadOnlyMemory<byte> part, CancellationToken cancellationToken)
        {
            var id = Convert.ToBase64String(Encoding.ASCII.GetBytes($"{writeId}-{number:D6}"));
            using var content = Content(part);
            await store.Call(store.Describe(Name), () => store.Blob(Name).StageBlockAsync(id, content, cancellationToken: cancellationToken)).ConfigureAwait(false);
            blocks.Add(id);
        }

        protected override async Task<StoredObject> CompletePartsAsync(CancellationToken cancellationToken)
        {
            BlobContentInfo info = await store.Call(store.Describe(Name), () => store.Blob(Name).CommitBlockListAsync(blocks, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return new StoredObject(Name, BytesWritten, info.LastModified, info.ETag.ToString());
        }

        protected override async Task<StoredObject> PutWholeAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
        {
            using var body = Content(content);
            BlobContentInfo info = await store.Call(store.Describe(Name), () => store.Blob(Name).UploadAsync(body, new BlobUploadOptions(), cancellationToken)).ConfigureAwait(false);
            return new StoredObject(Name, BytesWritten, info.LastModified, info.ETag.ToString());
        }

        protected override Task AbortAsync() => Task.CompletedTask;
    }
}
