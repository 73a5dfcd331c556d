using System.Net;
using Azure.Storage.Blobs;
using FhirBulk.IntegrationTests.Support;
using FhirBulk.Storage;

namespace FhirBulk.IntegrationTests.Storage;

/// <summary>The Azure Blob store against a real Blob service (Azurite on 127.0.0.1), through Azure.Storage.Blobs.</summary>
public sealed class AzureBlobObjectStoreTests(Azurite azurite) : IClassFixture<Azurite>
{
    private const string Container = "fhirbulk-test";

    public CollectingLoggerFactory Logs { get; } = new();

    [AzuriteFact]
    public async Task WriteAsync_ObjectOfSeveralBlocks_ReadsBackByteForByte() => await StoreContract.MultiPartObjectReadsBackByteForByte(await CreateSut());

    [AzuriteFact]
    public async Task WriteAsync_SmallAndEmptyObjects_ReadBackByteForByte() => await StoreContract.SmallAndEmptyObjectsReadBackByteForByte(await CreateSut());

    [AzuriteFact]
    public async Task Write_SynchronousCallsOverSeveralBlocks_ReadBackByteForByte() => await StoreContract.SynchronousWritesReadBackByteForByte(await CreateSut());

    [AzuriteFact]
    public async Task WriteAsync_ExistingName_ReplacesTheObject() => await StoreContract.WriteReplacesAnExistingObject(await CreateSut());

    [AzuriteFact]
    public async Task MoveAsync_OverAnExistingObject_ReplacesItAndRemovesTheSource() => await StoreContract.MoveReplacesTheDestinationAndRemovesTheSource(await CreateSut());

    [AzuriteFact]
    public async Task ListAsync_Prefix_FindsObjectsUnderItAtEveryDepthOnly() => await StoreContract.ListingUnderAPrefixFindsObjectsAtEveryDepthOnly(await CreateSut());

    [AzuriteFact]
    public async Task OpenReadAsync_FromOffset_ReadsTheRestOfTheObject() => await StoreContract.RangeReadFromAnOffsetReadsTheRest(await CreateSut());

    [AzuriteFact]
    public async Task OpenWrite_BeforeCommit_BlobIsInvisible() => await StoreContract.ObjectIsInvisibleUntilCommitted(await CreateSut());

    [AzuriteFact]
    public async Task WriteAsync_CancelledAfterTwoBlocks_NoCommittedBlob() => await StoreContract.CancelledWriteLeavesNoVisibleObject(await CreateSut());

    [AzuriteFact]
    public async Task DisposeWithoutCommit_AfterABlock_NoCommittedBlob() => await StoreContract.AbandonedWriterLeavesNoVisibleObject(await CreateSut());

    [AzuriteFact]
    public async Task DeleteAsync_ExistingThenMissing_RemovesAndTolerates() => await StoreContract.DeleteRemovesAndToleratesMissing(await CreateSut());

    [AzuriteFact]
    public async Task GetPropertiesAsync_MissingBlob_NullAndOpenFailsNamingIt() => await StoreContract.MissingObjectIsNullAndFailsToOpenNamingIt(await CreateSut());

    [AzuriteFact]
    public async Task ListAsync_MissingContainer_StorageExceptionWith404TheUrlAndHowToCreateIt()
    {
        var store = Connect(azurite.ConnectionString, "az://no-such-container/run/");

        var failure = await Assert.ThrowsAsync<StorageException>(async () => await store.ListAsync().ToListAsync());

        Assert.Equal(HttpStatusCode.NotFound, failure.StatusCode);
        Assert.Equal("ContainerNotFound", failure.ErrorCode);
        Assert.Equal("az://no-such-container/run/", failure.Location);
        Assert.Equal("az://no-such-container/run/: Azure Blob Storage answered 404 ContainerNotFound; the container must exist first (fhir-bulk does not create it): create it, e.g. az storage container create --name no-such-container", failure.Message);
    }

    [AzuriteFact]
    public async Task ListAsync_WrongAccountKey_StorageExceptionWith403SayingTheCredentialsWereRefused()
    {
        var wrongKey = Convert.ToBase64String(new byte[64]);
        var store = Connect(azurite.ConnectionString.Replace(Azurite.AccountKey, wrongKey, StringComparison.Ordinal), "az://any-container/run/");

        var failure = await Assert.ThrowsAsync<StorageException>(async () => await store.ListAsync().ToListAsync());

        Assert.Equal(HttpStatusCode.Forbidden, failure.StatusCode);
        Assert.Contains("were refused or lack permission for az://any-container/run/", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrongKey, failure.Message, StringComparison.Ordinal);
    }

    [AzuriteFact]
    public async Task GetPropertiesAsync_MissingContainer_ThrowsRatherThanReportingNoBlob()
    {
        var store = Connect(azurite.ConnectionString, "az://no-such-container/run/");

        var failure = await Assert.ThrowsAsync<StorageException>(() => store.GetPropertiesAsync("Patient.000.ndjson"));

        Assert.Equal("ContainerNotFound", failure.ErrorCode);
    }

    [AzuriteFact]
    public async Task WriteAsync_WrongAccountKey_StorageExceptionWith403AndNoKeyInTheMessage()
    {
        const string wrongKey = "d3Jvbmcta2V5LXRoYXQtaXMtbm90LWF6dXJpdGVzLWRldi1rZXktMDEyMzQ1Njc4OQ==";
        var store = Connect(azurite.ConnectionString.Replace(Azurite.AccountKey, wrongKey, StringComparison.Ordinal), $"az://{Container}/run/");

        var failure = await Assert.ThrowsAsync<StorageException>(() => store.WriteAsync("x.ndjson", new MemoryStream([1])));

        Assert.Equal(HttpStatusCode.Forbidden, failure.StatusCode);
        Assert.NotNull(failure.ErrorCode); // Azure says AuthenticationFailed, Azurite AuthorizationFailure
        Assert.DoesNotContain(wrongKey, failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Logs.Messages, m => m.Contains(wrongKey, StringComparison.Ordinal));
    }

    [Fact]
    public void Connect_AzLocationWithoutConnectionStringOrAccount_NamesTheVariablesToSet()
    {
        var failure = Assert.Throws<StorageException>(() => AzureBlobObjectStore.Connect(StorageLocation.Parse("az://data/run"), StoreContract.Options().Validated(), _ => null));

        Assert.Contains("AZURE_STORAGE_CONNECTION_STRING", failure.Message, StringComparison.Ordinal);
        Assert.Contains("AZURE_STORAGE_ACCOUNT", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Connect_MalformedConnectionString_NamesTheVariableNotItsText()
    {
        const string text = "AccountName=x;AccountKey=c2VjcmV0LXZhbHVl;NotAKnownPart";

        var failure = Assert.Throws<StorageException>(() => AzureBlobObjectStore.Connect(StorageLocation.Parse("az://data/run"), StoreContract.Options().Validated(), _ => text));

        Assert.Contains("AZURE_STORAGE_CONNECTION_STRING is not a valid", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("c2VjcmV0LXZhbHVl", failure.ToString(), StringComparison.Ordinal);
    }

    /// <summary>A store on a fresh prefix, resolved as production does, from a connection string in the environment.</summary>
    private Task<AzureBlobObjectStore> CreateSut() => Create(azurite, StoreContract.PartSize, Logs);

    internal static async Task<AzureBlobObjectStore> Create(Azurite azurite, int partSize, CollectingLoggerFactory logs)
    {
        await new BlobContainerClient(azurite.ConnectionString, Container).CreateIfNotExistsAsync();
        return Connect(azurite.ConnectionString, $"az://{Container}/run-{Guid.NewGuid():N}/", partSize, logs);
    }

    private AzureBlobObjectStore Connect(string connectionString, string location) => Connect(connectionString, location, StoreContract.PartSize, Logs);

    private static AzureBlobObjectStore Connect(string connectionString, string location, int partSize, CollectingLoggerFactory logs) =>
        AzureBlobObjectStore.Connect(
            StorageLocation.Parse(location),
            new ObjectStoreOptions { PartSize = partSize, LoggerFactory = logs }.Validated(),
            name => name == AzureBlobObjectStore.ConnectionStringVariable ? connectionString : null);
}
