using FhirBulk.Storage;

namespace FhirBulk.IntegrationTests.Storage;

/// <summary>The local folder store held to the same contract as the cloud ones, plus its pending (temporary) files.</summary>
public sealed class LocalObjectStoreTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), $"fhirbulk-store-{Guid.NewGuid():N}");

    [Fact]
    public Task WriteAsync_ObjectOfSeveralParts_ReadsBackByteForByte() => StoreContract.MultiPartObjectReadsBackByteForByte(CreateSut());

    [Fact]
    public Task WriteAsync_SmallAndEmptyObjects_ReadBackByteForByte() => StoreContract.SmallAndEmptyObjectsReadBackByteForByte(CreateSut());

    [Fact]
    public Task Write_SynchronousCalls_ReadBackByteForByte() => StoreContract.SynchronousWritesReadBackByteForByte(CreateSut());

    [Fact]
    public Task WriteAsync_ExistingName_ReplacesTheFile() => StoreContract.WriteReplacesAnExistingObject(CreateSut());

    [Fact]
    public Task MoveAsync_OverAnExistingFile_ReplacesItAndRemovesTheSourceAndItsEmptyFolders() => StoreContract.MoveReplacesTheDestinationAndRemovesTheSource(CreateSut());

    [Fact]
    public Task ListAsync_Prefix_FindsFilesUnderItAtEveryDepthOnly() => StoreContract.ListingUnderAPrefixFindsObjectsAtEveryDepthOnly(CreateSut());

    [Fact]
    public Task OpenReadAsync_FromOffset_ReadsTheRestOfTheFile() => StoreContract.RangeReadFromAnOffsetReadsTheRest(CreateSut());

    [Fact]
    public Task OpenWrite_BeforeCommit_FileIsInvisible() => StoreContract.ObjectIsInvisibleUntilCommitted(CreateSut());

    [Fact]
    public async Task WriteAsync_CancelledMidway_NoFileAndNoTemporaryFileLeft()
    {
        var store = CreateSut();

        await StoreContract.CancelledWriteLeavesNoVisibleObject(store);

        Assert.Empty(await store.ListPendingUploadsAsync().ToListAsync());
        Assert.Empty(Directory.GetFiles(folder, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public Task DisposeWithoutCommit_AfterAPart_NoFileLeft() => StoreContract.AbandonedWriterLeavesNoVisibleObject(CreateSut());

    [Fact]
    public Task DeleteAsync_ExistingThenMissing_RemovesAndTolerates() => StoreContract.DeleteRemovesAndToleratesMissing(CreateSut());

    [Fact]
    public Task GetPropertiesAsync_MissingFile_NullAndOpenFailsNamingIt() => StoreContract.MissingObjectIsNullAndFailsToOpenNamingIt(CreateSut());

    [Fact]
    public async Task ListPendingUploadsAsync_WriteInProgress_ListedUnderItsNameUntilDisposed()
    {
        var store = CreateSut();
        var writer = store.OpenWrite("data/Patient.000.ndjson");
        await writer.WriteAsync(new byte[100]);

        var pending = Assert.Single(await store.ListPendingUploadsAsync("data/").ToListAsync());
        Assert.Equal("data/Patient.000.ndjson", pending.Name);
        Assert.Empty(await store.ListAsync().ToListAsync());

        await writer.DisposeAsync();

        Assert.Empty(await store.ListPendingUploadsAsync().ToListAsync());
    }

    [Fact]
    public async Task AbortPendingUploadAsync_CrashedWritersTemporaryFile_Deleted()
    {
        var store = CreateSut();
        Directory.CreateDirectory(Path.Combine(folder, "data"));
        File.WriteAllBytes(Path.Combine(folder, "data", $"Observation.000.ndjson.{Guid.NewGuid():N}.tmp"), new byte[10]);

        var left = Assert.Single(await store.ListPendingUploadsAsync().ToListAsync());
        await store.AbortPendingUploadAsync(left);

        Assert.Equal("data/Observation.000.ndjson", left.Name);
        Assert.Empty(await store.ListPendingUploadsAsync().ToListAsync());
        Assert.Empty(Directory.GetFiles(folder, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Create_LocalPath_WritesIntoThatFolderWithSubfolders()
    {
        var store = ObjectStore.Create(folder);

        await store.WriteAsync("tables/Patient/part-0.parquet", new MemoryStream([1, 2, 3]));

        Assert.Equal([1, 2, 3], File.ReadAllBytes(Path.Combine(folder, "tables", "Patient", "part-0.parquet")));
    }

    [Fact]
    public void OpenWrite_NameClimbingOutOfTheLocation_StorageException()
    {
        var failure = Assert.Throws<StorageException>(() => CreateSut().OpenWrite("../outside.ndjson"));

        Assert.Contains("'..'", failure.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private ObjectStore CreateSut() => ObjectStore.Create(StorageLocation.Parse(folder), StoreContract.Options());
}
